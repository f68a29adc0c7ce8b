package dev.torchsd.model;

import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The channels-last memory layout (NHWC) for the convolutional networks, chosen by
 * {@link dev.torchsd.runtime.LoadOptions#channelsLast()}. oneDNN's convolutions work in that layout natively,
 * and the U-Net's transformers reshape pixels to tokens, which in NHWC is a view instead of a copy.
 * Applied before any freeze, to every 4-dimensional parameter (the convolution kernels); inputs
 * are converted at each call. docs/performance.md has whether it pays.
 */
final class ChannelsLast {
    private ChannelsLast() {}

    /** Re-lays every convolution kernel of the module out channels-last, in place. */
    static void convertParameters(JitModule module) {
        ModuleTensors.forEachParameter(module, p -> {
            if (p.dim() == 4) {
                p.set_data(p.contiguous(torch.MemoryFormat.ChannelsLast));
            }
        });
    }

    /** The input in channels-last layout (a copy), or itself when it is not an image batch. */
    static Tensor input(Tensor t) {
        return t.dim() == 4 ? t.contiguous(torch.MemoryFormat.ChannelsLast) : t;
    }
}
