package dev.torchsd.study;

import dev.torchsd.image.PngWriter;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The study's charts, drawn by JFreeChart: each measure against the start (a fraction of the steps),
 * the fixed starts as a line, the automatic start as one point at its mean picked step, and the
 * reference (no negative prompt) as a flat line.
 */
final class StudyCharts {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;

    private StudyCharts() {}

    static List<Path> write(Path dir, NegativeTimingStudy.Result result) {
        String title = "'" + result.request().prompt() + "', negative '"
                + result.request().negativePrompt() + "'";
        List<Path> files = new ArrayList<>();
        files.add(write(
                dir.resolve("negated-rate.png"),
                chart(
                        title,
                        "share showing " + result.negated(),
                        series(result, "negated attribute", StudySummary::negatedRate))));
        XYSeriesCollection kept = series(result, "all other attributes", StudySummary::keptRate);
        for (String attribute : result.summaries().get(0).keptByAttribute().keySet()) {
            XYSeriesCollection one =
                    series(result, attribute, s -> s.keptByAttribute().get(attribute));
            kept.addSeries(one.getSeries(0)); // the fixed starts' line only
        }
        files.add(write(dir.resolve("kept-structure.png"), chart(title, "share kept vs no negative prompt", kept)));
        files.add(write(
                dir.resolve("pixel-difference.png"),
                chart(
                        title,
                        "mean abs pixel difference (0..255)",
                        series(result, "pixel difference", StudySummary::meanAbsDifference))));
        if (!result.curves().isEmpty()) {
            files.add(write(
                    dir.resolve("three-way-alignment.png"),
                    threeWayChart(
                            title,
                            "alignment cos(eps(neg) - eps(empty), eps(pos) - eps(empty))",
                            threeWay(result, p -> p.alignmentMean(), p -> p.alignmentSd()))));
            files.add(write(
                    dir.resolve("three-way-effect.png"),
                    threeWayChart(
                            title,
                            "negative effect |eps(neg) - eps(empty)|",
                            threeWay(result, p -> p.effectMean(), p -> p.effectSd()))));
        }
        return files;
    }

    /**
     * Mean ± standard deviation over the seeds per call, for the curve of the earliest start (the most calls)
     * and for each automatic start.
     */
    private static YIntervalSeriesCollection threeWay(
            NegativeTimingStudy.Result result,
            ToDoubleFunction<ThreeWayCurve.Point> mean,
            ToDoubleFunction<ThreeWayCurve.Point> sd) {
        String longest = result.curves().stream()
                .max(Comparator.comparingInt(c -> c.points().size()))
                .orElseThrow()
                .start();
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        for (ThreeWayCurve curve : result.curves()) {
            if (!curve.start().equals(longest) && !curve.start().startsWith("auto")) {
                continue;
            }
            YIntervalSeries series = new YIntervalSeries("start " + curve.start() + ", mean ± sd over the seeds");
            for (ThreeWayCurve.Point p : curve.points()) {
                double m = mean.applyAsDouble(p);
                double d = sd.applyAsDouble(p);
                series.add(p.step(), m, m - d, m + d);
            }
            data.addSeries(series);
        }
        return data;
    }

    private static JFreeChart threeWayChart(String title, String yLabel, YIntervalSeriesCollection data) {
        JFreeChart chart = ChartFactory.createXYLineChart(
                title, "step (U-Net call position)", yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        DeviationRenderer renderer = new DeviationRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesFillPaint(i, renderer.lookupSeriesPaint(i));
        }
        renderer.setAlpha(0.2f);
        plot.setRenderer(renderer);
        return chart;
    }

    /** The fixed starts' line, then the auto point and the reference line where the study has them. */
    private static XYSeriesCollection series(
            NegativeTimingStudy.Result result, String name, ToDoubleFunction<StudySummary> measure) {
        XYSeries fixed = new XYSeries(name + ", fixed starts");
        XYSeries auto = new XYSeries(name + ", auto start");
        XYSeries none = new XYSeries(name + ", no negative prompt");
        for (StudySummary s : result.summaries()) {
            double y = measure.applyAsDouble(s);
            if (s.start().equals(NegativeTimingStudy.NONE)) {
                none.add(0, y);
                none.add(1, y);
            } else if (s.start().startsWith("auto")) {
                auto.add(s.startFraction(), y);
            } else {
                fixed.add(s.startFraction(), y);
            }
        }
        XYSeriesCollection data = new XYSeriesCollection(fixed);
        if (!auto.isEmpty()) {
            data.addSeries(auto);
        }
        data.addSeries(none);
        return data;
    }

    private static JFreeChart chart(String title, String yLabel, XYSeriesCollection data) {
        JFreeChart chart = ChartFactory.createXYLineChart(
                title,
                "negative start (fraction of the steps)",
                yLabel,
                data,
                PlotOrientation.VERTICAL,
                true,
                false,
                false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            String key = data.getSeriesKey(i).toString();
            renderer.setSeriesLinesVisible(i, !key.endsWith("auto start"));
            renderer.setSeriesShapesVisible(i, !key.endsWith("no negative prompt"));
        }
        plot.setRenderer(renderer);
        return chart;
    }

    private static Path write(Path file, JFreeChart chart) {
        BufferedImage image = chart.createBufferedImage(WIDTH, HEIGHT);
        PngWriter.write(image, chart.getTitle().getText(), file);
        return file;
    }
}
