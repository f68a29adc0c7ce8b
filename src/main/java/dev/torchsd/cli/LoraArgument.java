package dev.torchsd.cli;

import dev.torchsd.error.TorchsdException;
import dev.torchsd.pipeline.LoraWeight;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The value of {@code --lora FILE[:WEIGHT[:UNET_WEIGHT]]}: WEIGHT (default 1) for the text encoder and,
 * unless UNET_WEIGHT is given, the U-Net, as AUTOMATIC1111's {@code <lora:name:te:unet>}. A value naming
 * an existing file is taken whole, so a file name with a colon works without weights.
 */
final class LoraArgument {
    private LoraArgument() {}

    static LoraWeight parse(String value) {
        if (value.isEmpty() || Files.exists(Path.of(value))) {
            if (value.isEmpty()) {
                throw new TorchsdException("--lora needs FILE, FILE:WEIGHT or FILE:WEIGHT:UNET_WEIGHT");
            }
            return LoraWeight.of(Path.of(value), 1);
        }
        String rest = value;
        Double[] weights = new Double[2];
        int count = 0;
        for (int i = 0; i < 2; i++) {
            int colon = rest.lastIndexOf(':');
            if (colon <= 0 || Files.exists(Path.of(rest))) {
                break;
            }
            Double w = number(rest.substring(colon + 1));
            if (w == null) {
                break;
            }
            weights[i] = w;
            count++;
            rest = rest.substring(0, colon);
        }
        double te = count == 0 ? 1 : weights[count - 1];
        double unet = count == 2 ? weights[0] : te;
        return new LoraWeight(Path.of(rest), te, unet);
    }

    private static Double number(String text) {
        try {
            double v = Double.parseDouble(text);
            return Double.isFinite(v) ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** picocli's converter for the option. */
    static final class Converter implements ITypeConverter<LoraWeight> {
        @Override
        public LoraWeight convert(String value) {
            try {
                return parse(value);
            } catch (TorchsdException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
