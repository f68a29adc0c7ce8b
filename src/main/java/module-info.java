/**
 * torchsd: Stable Diffusion on the JVM. The exported packages are the public API (semantic
 * versioning applies to them); everything else is internal and may change in any release.
 */
module dev.torchsd {
    requires java.desktop;
    requires jdk.unsupported;
    requires com.google.gson;
    requires org.bytedeco.javacpp;
    requires transitive org.bytedeco.pytorch;
    requires static info.picocli;
    requires static me.tongfei.progressbar;
    requires static org.jfree.jfreechart;

    exports dev.torchsd;
    exports dev.torchsd.pipeline;
    exports dev.torchsd.runtime;
    exports dev.torchsd.error;
    exports dev.torchsd.study;

    opens dev.torchsd.cli to info.picocli;
}
