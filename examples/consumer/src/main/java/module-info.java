/** An application that embeds torchsd: it reads torchsd's exported API packages only. */
module com.example.consumer {
    requires dev.torchsd;
}
