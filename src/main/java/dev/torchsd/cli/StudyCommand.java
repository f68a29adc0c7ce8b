package dev.torchsd.cli;

import dev.torchsd.StableDiffusion;
import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.StepPoint;
import dev.torchsd.study.NegativeTimingStudy;
import dev.torchsd.study.StudyChecker;
import dev.torchsd.study.StudyReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code torchsd study ...}: reproducible experiments over many seeds. */
@Command(
        name = "study",
        mixinStandardHelpOptions = true,
        description = "Reproducible experiments over many seeds.",
        subcommands = {StudyCommand.NegativeTiming.class})
public final class StudyCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: negative-timing");
    }

    /** {@code torchsd study negative-timing}: when does a negative prompt act (docs/negative-prompts.md)? */
    @Command(
            name = "negative-timing",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = "For each seed and negative-prompt start: does the negated attribute show, and how much of"
                    + " the image without a negative prompt is kept. Writes study.csv, study.json and charts.")
    static final class NegativeTiming implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        GenerationOptions options;

        @Option(
                names = "--seeds",
                defaultValue = "20",
                paramLabel = "K",
                description = "how many seeds: --seed, --seed + 1, ... (default: 20)")
        int seeds;

        @Option(
                names = "--starts",
                split = ",",
                defaultValue = "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0,auto",
                paramLabel = "S",
                description = "negative starts: step indexes, fractions or auto (default: 0,0.1,...,1.0,auto)")
        List<String> starts;

        @Option(
                names = "--checker",
                paramLabel = "CLASS",
                description = "a StudyChecker class (public, no-argument"
                        + " constructor) that reads the model's images (default: the built-in model's scene checker)")
        String checker;

        @Option(
                names = "--trace-three-way",
                description = "also run the empty prompt where the negative prompt is active (1.5x the U-Net work"
                        + " there) and write the negative prompt's effect and alignment per step over the seeds:"
                        + " three-way.csv and charts")
        boolean threeWay;

        @Option(
                names = {"-o", "--out"},
                defaultValue = "study",
                paramLabel = "DIR",
                description = "folder to write (default: study)")
        Path out;

        @Override
        public Integer call() {
            if (options.negativePrompt.isEmpty()) {
                throw new TorchsdException("study negative-timing needs a --negative-prompt");
            }
            if (seeds < 1) {
                throw new TorchsdException("--seeds must be at least 1, got " + seeds);
            }
            StudyChecker studyChecker = checker();
            List<StepPoint> points = starts.stream().map(StepPoint::parse).toList();
            StudyReport.checkWritable(out);
            long first = options.resolveSeed();
            List<Long> seedList = LongStream.range(first, first + seeds).boxed().toList();
            PrintWriter err = spec.commandLine().getErr();
            int total = seeds * (points.size() + 1);
            int[] done = {0};
            try (StableDiffusion sd = options.model.open(err)) {
                NegativeTimingStudy.Result result;
                try {
                    result = new NegativeTimingStudy(sd, studyChecker, threeWay)
                            .run(options.request(first, 1), seedList, points, Interrupts.stopOnInterrupt(), what -> {
                                if (!options.quiet) {
                                    err.println("[" + ++done[0] + "/" + total + "] " + what);
                                }
                            });
                } catch (IllegalArgumentException e) {
                    throw new TorchsdException(e.getMessage(), e);
                }
                StudyReport.write(out, result).forEach(spec.commandLine().getOut()::println);
                spec.commandLine().getOut().print(StudyReport.markdown(result));
                if (result.criticalSteps().stream().anyMatch(c -> !c.landings().isEmpty())) {
                    spec.commandLine().getOut().println();
                    spec.commandLine().getOut().print(StudyReport.criticalMarkdown(result));
                }
                spec.commandLine().getOut().flush();
            }
            return 0;
        }

        private StudyChecker checker() {
            if (checker == null) {
                if (options.model.model != null) {
                    throw new TorchsdException("the built-in scene checker reads the built-in model's images only;"
                            + " for --model " + options.model.model + " give --checker CLASS (a StudyChecker)");
                }
                return StudyChecker.builtin();
            }
            try {
                Class<?> type = Class.forName(checker);
                if (!StudyChecker.class.isAssignableFrom(type)) {
                    throw new TorchsdException(
                            "--checker " + checker + " does not implement " + StudyChecker.class.getName());
                }
                return (StudyChecker) type.getConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new TorchsdException("--checker " + checker + ": cannot make one (" + e + ")", e);
            }
        }
    }
}
