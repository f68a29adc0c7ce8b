/** Must NOT compile: torchsd's internal packages are not exported (run.sh checks javac's error). */
module com.example.internal {
    requires dev.torchsd;
}
