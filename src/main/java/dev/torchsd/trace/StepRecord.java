package dev.torchsd.trace;

/**
 * One U-Net call of a traced generation. Norms are Euclidean norms over the whole prediction
 * tensor (all images of the batch); the cosine is between eps(negative) and eps(positive).
 *
 * @param call            U-Net call index, 0-based
 * @param timestep        the timestep fed to the U-Net
 * @param sigma           the scheduler's sigma, or NaN when it has none
 * @param negativeActive  whether the unconditional branch used the negative prompt (else the empty prompt)
 * @param normNegative    |eps(neg)| (NaN without guidance)
 * @param normPositive    |eps(pos)|
 * @param normDifference  |eps(pos) - eps(neg)| (NaN without guidance)
 * @param cosine          cos(eps(neg), eps(pos)) (NaN without guidance)
 * @param normGuidance    |w * (eps(pos) - eps(neg))|, the guidance term (NaN without guidance)
 * @param negativeEffect  three-way trace: |eps(neg) - eps(empty)|, the negative prompt's own effect (else NaN)
 * @param alignment       three-way trace: cos(eps(neg) - eps(empty), eps(pos) - eps(empty)) (else NaN)
 */
public record StepRecord(
        int call,
        double timestep,
        double sigma,
        boolean negativeActive,
        double normNegative,
        double normPositive,
        double normDifference,
        double cosine,
        double normGuidance,
        double negativeEffect,
        double alignment) {}
