"""Writes src/test/resources/dev/torchsd/scheduler/formula_cases.json.

An independent numpy/torch re-derivation of diffusers' scheduler formulas (set_timesteps, Karras
sigmas, the two-call samplers' interleaved tables, single v-prediction steps) for Stable Diffusion
1.5's config, written from the formulas in
diffusers' scheduling_*.py and the papers, not from torchsd's Java code. The Java tests compare against
it. Run with Debian's python3 (numpy, torch):

    /usr/bin/python3 src/test/python/scheduler_formulas.py
"""
import json
import os

import numpy as np
import torch

T = 1000
BETAS = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, T, dtype=torch.float32) ** 2
ALPHAS_CUMPROD = torch.cumprod(1.0 - BETAS, dim=0)
AC = ALPHAS_CUMPROD.numpy()
SIGMA_TABLE = ((1 - AC) / AC) ** 0.5          # float32, as numpy on the float32 table
LOG_SIGMAS = np.log(SIGMA_TABLE)


def alpha_bar_timesteps(spacing, n, offset):
    """DDIM / DDPM: integer timesteps."""
    if spacing == "leading":
        return (np.arange(0, n) * (T // n)).round()[::-1].astype(np.int64) + offset
    if spacing == "linspace":
        return np.linspace(0, T - 1, n).round()[::-1].astype(np.int64)
    return np.round(np.arange(T, 0, -T / n)).astype(np.int64)[:n] - 1


def float_timesteps(spacing, n, offset):
    """Euler family: float32 timesteps."""
    if spacing == "linspace":
        return np.linspace(0, T - 1, n, dtype=np.float32)[::-1].copy()
    if spacing == "leading":
        return (np.arange(0, n) * (T // n)).round()[::-1].astype(np.float32) + offset
    return np.arange(T, 0, -T / n).round().astype(np.float32)[:n] - 1


def solver_timesteps(spacing, n, offset):
    """DPM-Solver / UniPC: n + 1 points, the last dropped."""
    if spacing == "linspace":
        return np.linspace(0, T - 1, n + 1).round()[::-1][:-1].astype(np.int64)
    if spacing == "leading":
        return (np.arange(0, n + 1) * (T // (n + 1))).round()[::-1][:-1].astype(np.int64) + offset
    return np.arange(T, 0, -T / n).round().astype(np.int64)[:n] - 1


def karras(sigma_min, sigma_max, n, rho=7.0):
    ramp = np.linspace(0, 1, n)
    return (sigma_max ** (1 / rho) + ramp * (sigma_min ** (1 / rho) - sigma_max ** (1 / rho))) ** rho


def sigma_to_t(sigma):
    log_sigma = np.log(np.maximum(sigma, 1e-10))
    dists = log_sigma - LOG_SIGMAS[:, np.newaxis]
    low = np.cumsum(dists >= 0, axis=0).argmax(axis=0).clip(max=LOG_SIGMAS.shape[0] - 2)
    w = np.clip((LOG_SIGMAS[low] - log_sigma) / (LOG_SIGMAS[low] - LOG_SIGMAS[low + 1]), 0, 1)
    return (1 - w) * low + w * (low + 1)


def euler_sigmas(spacing, n, use_karras, offset=1):
    t = float_timesteps(spacing, n, offset)
    sigmas = np.interp(t, np.arange(0, T), SIGMA_TABLE)
    if use_karras:
        sigmas = karras(sigmas[-1], sigmas[0], n)
        t = np.array([sigma_to_t(s) for s in sigmas]).ravel().astype(np.float32)
    sigmas = np.concatenate([sigmas, [0.0]]).astype(np.float32)
    init = float(sigmas.max()) if spacing != "leading" else float((sigmas.max() ** 2 + 1) ** 0.5)
    return t, sigmas, init


def init_noise_sigma(spacing, sigmas):
    """The k-diffusion samplers' init_noise_sigma: the largest sigma, for leading spacing sqrt(max^2 + 1)."""
    top = float(sigmas.max())
    return top if spacing != "leading" else float((top ** 2 + 1) ** 0.5)


def heun(spacing, n, use_karras):
    """HeunDiscreteScheduler: each sigma but the first and the last twice, each timestep but the first twice."""
    t = float_timesteps(spacing, n, 1)
    sigmas = np.interp(t, np.arange(0, T), SIGMA_TABLE)
    if use_karras:
        sigmas = karras(sigmas[-1], sigmas[0], n)
        t = np.array([sigma_to_t(s) for s in sigmas]).ravel()
    sigmas = torch.from_numpy(np.concatenate([sigmas, [0.0]]).astype(np.float32))
    sigmas = torch.cat([sigmas[:1], sigmas[1:-1].repeat_interleave(2), sigmas[-1:]])
    t = torch.from_numpy(np.asarray(t, dtype=np.float32))
    t = torch.cat([t[:1], t[1:].repeat_interleave(2)])
    return t, sigmas, init_noise_sigma(spacing, sigmas)


def kdpm2(spacing, n, use_karras):
    """KDPM2DiscreteScheduler: sigmas and their log-midpoints (sigmas_interpol), each padded as diffusers
    holds them; the timesteps interleave the midpoints' with the levels' (Karras ones rounded)."""
    t = float_timesteps(spacing, n, 1)
    sigmas = np.interp(t, np.arange(0, T), SIGMA_TABLE)
    if use_karras:
        sigmas = karras(sigmas[-1], sigmas[0], n)
        t = np.array([sigma_to_t(s) for s in sigmas]).ravel().round()
    sigmas = torch.from_numpy(np.concatenate([sigmas, [0.0]]).astype(np.float32))
    interpol = sigmas.log().lerp(sigmas.roll(1).log(), 0.5).exp()   # interpol[0] is NaN (lerp with log 0)

    def padded(x):
        return torch.cat([x[:1], x[1:].repeat_interleave(2), x[-1:]])

    t_interpol = np.array([sigma_to_t(s) for s in interpol[1:-1].numpy()]).ravel()
    timesteps = [float(t[0])]
    for mid, level in zip(t_interpol, t[1:]):
        timesteps += [float(np.float32(mid)), float(level)]
    padded_sigmas = padded(sigmas)
    return timesteps, padded_sigmas, padded(interpol), init_noise_sigma(spacing, padded_sigmas)


def dpm_karras(n):
    sigmas = karras(SIGMA_TABLE[0], SIGMA_TABLE[-1], n)
    t = np.array([sigma_to_t(s) for s in sigmas]).ravel().round().astype(np.int64)
    return t, np.concatenate([sigmas, [0.0]]).astype(np.float32)


def deterministic(flipped):
    k = torch.arange(768)
    if flipped:
        k = k.flip(-1)
    return (k.reshape(3, 8, 8, 4) / 768).permute(3, 0, 1, 2)


def ddim_v_step(timestep, prev):
    """One DDIM step (eta 0, no clipping) with v-prediction: x0 = sqrt(a) x - sqrt(1-a) v."""
    x, v = deterministic(False), deterministic(True)
    a = ALPHAS_CUMPROD[timestep]
    a_prev = ALPHAS_CUMPROD[prev] if prev >= 0 else ALPHAS_CUMPROD[0]
    x0 = a ** 0.5 * x - (1 - a) ** 0.5 * v
    eps = a ** 0.5 * v + (1 - a) ** 0.5 * x
    out = a_prev ** 0.5 * x0 + (1 - a_prev) ** 0.5 * eps
    return out


def euler_v_step(sigma, sigma_next):
    """One Euler step with v-prediction: x0 = v * (-s / sqrt(s^2+1)) + x / (s^2+1)."""
    x, v = deterministic(False), deterministic(True)
    x = x * sigma
    x0 = v * (-sigma / (sigma ** 2 + 1) ** 0.5) + x / (sigma ** 2 + 1)
    derivative = (x - x0) / sigma
    return x + derivative * (sigma_next - sigma)


def stats(t):
    return {"sum": float(t.abs().sum()), "mean": float(t.abs().mean()), "first": float(t.flatten()[0])}


def main():
    cases = {"config": "sd15", "timesteps": [], "euler": [], "dpm_karras": [], "heun": [], "kdpm2": [],
             "v_steps": {}}
    for spacing in ["leading", "linspace", "trailing"]:
        for n in [1, 7, 25, 50]:
            cases["timesteps"].append({
                "spacing": spacing, "steps": n,
                "ddim": alpha_bar_timesteps(spacing, n, 1).tolist(),
                "euler": [float(x) for x in float_timesteps(spacing, n, 1)],
                "dpm": solver_timesteps(spacing, n, 1).tolist(),
            })
            for use_karras in [False, True]:
                t, sigmas, init = euler_sigmas(spacing, n, use_karras)
                cases["euler"].append({"spacing": spacing, "steps": n, "karras": use_karras,
                                       "timesteps": [float(x) for x in t],
                                       "sigmas": [float(x) for x in sigmas], "init_noise_sigma": init})
        for n in [1, 2, 7, 25]:
            for use_karras in [False, True]:
                t, sigmas, init = heun(spacing, n, use_karras)
                cases["heun"].append({"spacing": spacing, "steps": n, "karras": use_karras,
                                      "timesteps": t.tolist(), "sigmas": sigmas.tolist(), "init_noise_sigma": init})
                t, sigmas, interpol, init = kdpm2(spacing, n, use_karras)
                cases["kdpm2"].append({"spacing": spacing, "steps": n, "karras": use_karras, "timesteps": t,
                                       "sigmas": sigmas.tolist(), "sigmas_interpol": interpol.tolist(),
                                       "init_noise_sigma": init})
    for n in [10, 20, 25]:
        t, sigmas = dpm_karras(n)
        cases["dpm_karras"].append({"steps": n, "timesteps": t.tolist(), "sigmas": [float(x) for x in sigmas]})
    cases["v_steps"]["ddim_981_to_961"] = stats(ddim_v_step(981, 961))
    t, sigmas, _ = euler_sigmas("linspace", 20, False)
    cases["v_steps"]["euler_linspace20_index3"] = stats(euler_v_step(float(sigmas[3]), float(sigmas[4])))
    path = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "torchsd", "scheduler",
                        "formula_cases.json")
    with open(path, "w") as f:
        json.dump(cases, f, indent=1)
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
