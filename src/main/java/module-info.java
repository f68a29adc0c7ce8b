/**
 * torchsd: Stable Diffusion on the JVM. The exported packages are the public API (semantic
 * versioning applies to them); everything else is internal and may change in any release.
 */
@SuppressWarnings("requires-automatic") // JFreeChart (the study's charts, optional) has no module descriptor
module dev.torchsd {
    requires transitive java.desktop; // GenerationResult hands out java.awt.image.BufferedImage
    requires jdk.unsupported;
    requires com.google.gson;
    requires org.bytedeco.javacpp;
    requires transitive org.bytedeco.pytorch;
    requires static info.picocli;
    requires static me.tongfei.progressbar;
    requires static io.javalin;
    requires static org.slf4j;
    requires static org.jfree.jfreechart;

    exports dev.torchsd;
    exports dev.torchsd.pipeline;
    exports dev.torchsd.runtime;
    exports dev.torchsd.error;

    opens dev.torchsd.cli to
            info.picocli;
}
