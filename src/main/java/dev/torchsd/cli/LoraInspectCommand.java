package dev.torchsd.cli;

import dev.torchsd.lora.KeyMap;
import dev.torchsd.lora.LoraFile;
import dev.torchsd.lora.LoraHash;
import dev.torchsd.lora.LoraModule;
import dev.torchsd.lora.LoraReader;
import dev.torchsd.lora.NetworkUse;
import dev.torchsd.lora.Part;
import dev.torchsd.model.BuiltinModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code torchsd lora inspect FILE}: what a LoRA / LyCORIS file holds — format, modules per network,
 * ranks, alphas, the layer types it targets, its AUTOMATIC1111 short hash — read with the code that
 * applies it, and how many of its modules a model has (the built-in model, or {@code --model DIR}).
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Show what a LoRA / LyCORIS file holds: format, ranks, alpha, targets, hash,",
            "and how many of its modules a model (default: the built-in one) has, by name."
        })
public final class LoraInspectCommand implements Callable<Integer> {
    private static final Pattern LAYER =
            Pattern.compile("(attn[12]_to_(q|k|v|out_0)|ff_net_0_proj|ff_net_2|proj_in|proj_out"
                    + "|conv1|conv2|conv_shortcut|time_emb_proj|downsamplers_0_conv|upsamplers_0_conv|conv_in|conv_out"
                    + "|self_attn_(q|k|v|out)_proj|mlp_fc[12])$");

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The LoRA file: .safetensors or .pt.")
    Path file;

    @Option(
            names = {"-m", "--model"},
            paramLabel = "DIR",
            description = "A torchsd model folder to match the modules against" + " (default: the built-in model).")
    Path model;

    @Override
    public Integer call() {
        LoraFile lora = LoraReader.read(file);
        PrintWriter out = spec.commandLine().getOut();
        out.println("file: " + file);
        out.println("format: " + lora.format());
        out.println("modules: " + lora.modules().size() + " (" + count(lora.modules(), Part.UNET) + " U-Net, "
                + count(lora.modules(), Part.TEXT_ENCODER) + " text encoder)");
        out.println("ranks: " + lora.ranks());
        out.println("alpha: " + lora.alphas());
        out.println("targets: " + targets(lora));
        out.println("hash: " + LoraHash.shortHash(NetworkUse.of(file, lora.name(), 1, 1)));
        lora.metadata().entrySet().stream()
                .filter(e -> e.getKey().startsWith("ss_base_model")
                        || e.getKey().equals("ss_network_module")
                        || e.getKey().equals("ss_network_dim")
                        || e.getKey().equals("ss_network_alpha"))
                .forEach(e -> out.println("metadata " + e.getKey() + ": " + e.getValue()));
        Path folder = model == null ? BuiltinModel.folder() : model;
        KeyMap keyMap = KeyMap.read(folder);
        List<String> unmatched = new ArrayList<>();
        int matched = 0;
        for (LoraModule m : lora.modules()) {
            if (keyMap.parameter(m).isPresent()) {
                matched++;
            } else {
                unmatched.add(m.key());
            }
        }
        out.println("matches " + (model == null ? "the built-in model" : folder) + ": " + matched + " of "
                + lora.modules().size() + " modules by name"
                + (unmatched.isEmpty()
                        ? ""
                        : "; first unmatched: "
                                + String.join(", ", unmatched.subList(0, Math.min(5, unmatched.size())))));
        out.flush();
        return 0;
    }

    private static long count(List<LoraModule> modules, Part part) {
        return modules.stream().filter(m -> m.part() == part).count();
    }

    /** Layer type → modules of that type, e.g. {@code attn1_to_q=16}. */
    private static Map<String, Integer> targets(LoraFile lora) {
        Map<String, Integer> counts = new TreeMap<>();
        for (LoraModule m : lora.modules()) {
            Matcher layer = LAYER.matcher(m.path());
            counts.merge(layer.find() ? layer.group(1) : "other", 1, Integer::sum);
        }
        return counts;
    }
}
