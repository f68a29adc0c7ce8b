package dev.torchsd.scheduler;

/** What the U-Net predicts ({@code prediction_type}): the noise, the velocity v (SD 2.x 768), or the clean sample. */
enum Prediction {
    EPSILON("epsilon"), V_PREDICTION("v_prediction"), SAMPLE("sample");

    final String key;

    Prediction(String key) {
        this.key = key;
    }

    static Prediction of(SchedulerConfig config, String scheduler) {
        String value = config.string("prediction_type", "epsilon");
        for (Prediction prediction : values()) {
            if (prediction.key.equals(value)) {
                return prediction;
            }
        }
        throw new SchedulerException(scheduler + ": prediction_type '" + value
                + "' is not supported; expected epsilon, v_prediction or sample");
    }
}
