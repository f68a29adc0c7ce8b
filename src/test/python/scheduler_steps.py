"""Diffusers' schedulers, call for call, for the pipeline reference (diffusers_reference.py).

Each class follows one diffusers scheduling_*.py: its set_timesteps (through the timestep and sigma
re-derivations of scheduler_formulas.py), scale_model_input and step, with diffusers' arithmetic: the
training tables and every per-step coefficient are float32 torch values, the latents float32 tensors,
operations in diffusers' order. Written from diffusers' formulas, not from torchsd's Java code.

A scheduler is made from a diffusers scheduler config (the model's, as `from_config` reads it: keys of
other schedulers ignored, missing keys at each class's own default) and the step count. It offers
`timesteps` (the U-Net's timestep per call), `init_noise_sigma`, `scale(sample, i)` and
`step(model_output, i, sample, generator)` for call i.

Not reproduced: LMS integrates its coefficients exactly (diffusers calls scipy's quad on a float32
integrand, about 1e-7 relative away); options the reference test does not use (PNDM's PRK warm-up,
thresholding, clipping, v-prediction, solver orders above 2) are refused.
"""
import numpy as np
import torch

from scheduler_formulas import (ALPHAS_CUMPROD, SIGMA_TABLE, T, alpha_bar_timesteps, dpm_karras, euler_sigmas,
                                solver_timesteps)

SD_TABLE = {"num_train_timesteps": T, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
            "trained_betas": None}


class Config:
    """A scheduler config with one class's defaults; refuses what the tables here do not cover."""

    def __init__(self, values, defaults):
        self.values = {k: v for k, v in values.items() if v is not None}
        self.defaults = defaults
        for key, expected in SD_TABLE.items():
            found = values.get(key, expected)
            if found != expected:
                raise ValueError(f"scheduler config '{key}': the reference has SD 1.x's training table ({expected}),"
                                 f" found {found}")
        if self.get("prediction_type", "epsilon") != "epsilon":
            raise ValueError("scheduler config 'prediction_type': the reference supports epsilon, found "
                             + str(self.get("prediction_type")))

    def get(self, key, default=None):
        return self.values.get(key, self.defaults.get(key, default))

    def spacing(self):
        return self.get("timestep_spacing"), int(self.get("steps_offset", 0))

    def require(self, key, allowed):
        if self.get(key) not in allowed:
            raise ValueError(f"scheduler config '{key}': the reference supports {allowed}, found {self.get(key)}")


def alpha_sigma(sigma):
    """DPM-Solver / UniPC: the (alpha_t, sigma_t) pair of a sigma."""
    alpha_t = 1 / ((sigma ** 2 + 1) ** 0.5)
    return alpha_t, sigma * alpha_t


def log_snr(sigma):
    alpha_t, sigma_t = alpha_sigma(sigma)
    return torch.log(alpha_t) - torch.log(sigma_t)


def interpolated_sigmas(timesteps):
    """np.interp of the training sigmas at the timesteps, with a final 0, as float32 torch."""
    sigmas = np.interp(timesteps, np.arange(0, len(SIGMA_TABLE)), SIGMA_TABLE)
    return torch.from_numpy(np.concatenate([sigmas, [0.0]]).astype(np.float32))


class Pndm:
    """scheduling_pndm.py with skip_prk_steps (PLMS): step_plms and _get_prev_sample."""
    init_noise_sigma = 1.0

    def __init__(self, values, steps):
        config = Config(values, {"timestep_spacing": "leading", "set_alpha_to_one": False, "skip_prk_steps": False})
        config.require("skip_prk_steps", [True])
        config.require("timestep_spacing", ["leading"])
        ascending = alpha_bar_timesteps("leading", steps, config.spacing()[1])[::-1]
        self.timesteps = [int(t) for t in
                          np.concatenate([ascending[:-1], ascending[-2:-1], ascending[-1:]])[::-1]]
        self.ratio = T // steps
        self.final_alpha = torch.tensor(1.0) if config.get("set_alpha_to_one") else ALPHAS_CUMPROD[0]
        self.ets = []
        self.counter = 0
        self.cur_sample = None

    def scale(self, sample, i):
        return sample

    def step(self, model_output, i, sample, generator):
        timestep = self.timesteps[i]
        prev_timestep = timestep - self.ratio
        if self.counter != 1:
            self.ets.append(model_output)
        else:
            prev_timestep = timestep
            timestep = timestep + self.ratio
        ets = self.ets
        if len(ets) == 1 and self.counter == 0:
            self.cur_sample = sample
        elif len(ets) == 1 and self.counter == 1:
            model_output = (model_output + ets[-1]) / 2
            sample = self.cur_sample
            self.cur_sample = None
        elif len(ets) == 2:
            model_output = (3 * ets[-1] - ets[-2]) / 2
        elif len(ets) == 3:
            model_output = (23 * ets[-1] - 16 * ets[-2] + 5 * ets[-3]) / 12
        else:
            model_output = (1 / 24) * (55 * ets[-1] - 59 * ets[-2] + 37 * ets[-3] - 9 * ets[-4])
        self.counter += 1
        alpha_t = ALPHAS_CUMPROD[timestep]
        alpha_prev = ALPHAS_CUMPROD[prev_timestep] if prev_timestep >= 0 else self.final_alpha
        beta_t = 1 - alpha_t
        beta_prev = 1 - alpha_prev
        sample_coeff = (alpha_prev / alpha_t) ** 0.5
        denominator = alpha_t * beta_prev ** 0.5 + (alpha_t * beta_t * alpha_prev) ** 0.5
        return sample_coeff * sample - (alpha_prev - alpha_t) * model_output / denominator


class Ddim:
    """scheduling_ddim.py, eta 0 (no noise)."""
    init_noise_sigma = 1.0

    def __init__(self, values, steps):
        config = Config(values, {"timestep_spacing": "leading", "set_alpha_to_one": True, "clip_sample": True})
        config.require("clip_sample", [False])
        spacing, offset = config.spacing()
        self.timesteps = [int(t) for t in alpha_bar_timesteps(spacing, steps, offset)]
        self.ratio = T // steps
        self.final_alpha = torch.tensor(1.0) if config.get("set_alpha_to_one") else ALPHAS_CUMPROD[0]

    def scale(self, sample, i):
        return sample

    def step(self, model_output, i, sample, generator):
        timestep = self.timesteps[i]
        prev_timestep = timestep - self.ratio
        alpha_t = ALPHAS_CUMPROD[timestep]
        alpha_prev = ALPHAS_CUMPROD[prev_timestep] if prev_timestep >= 0 else self.final_alpha
        beta_t = 1 - alpha_t
        x0 = (sample - beta_t ** 0.5 * model_output) / alpha_t ** 0.5
        variance = ((1 - alpha_prev) / beta_t) * (1 - alpha_t / alpha_prev)
        std_dev = 0.0 * variance ** 0.5
        direction = (1 - alpha_prev - std_dev ** 2) ** 0.5 * model_output
        return alpha_prev ** 0.5 * x0 + direction


class Ddpm:
    """scheduling_ddpm.py, variance_type fixed_small: noise from the generator at every t > 0."""
    init_noise_sigma = 1.0

    def __init__(self, values, steps):
        config = Config(values, {"timestep_spacing": "leading", "clip_sample": True, "variance_type": "fixed_small"})
        config.require("clip_sample", [False])
        config.require("variance_type", ["fixed_small"])
        spacing, offset = config.spacing()
        self.timesteps = [int(t) for t in alpha_bar_timesteps(spacing, steps, offset)]

    def scale(self, sample, i):
        return sample

    def step(self, model_output, i, sample, generator):
        t = self.timesteps[i]
        prev_t = self.timesteps[i + 1] if i + 1 < len(self.timesteps) else -1
        alpha_t = ALPHAS_CUMPROD[t]
        alpha_prev = ALPHAS_CUMPROD[prev_t] if prev_t >= 0 else torch.tensor(1.0)
        beta_t = 1 - alpha_t
        beta_prev = 1 - alpha_prev
        current_alpha = alpha_t / alpha_prev
        current_beta = 1 - current_alpha
        x0 = (sample - beta_t ** 0.5 * model_output) / alpha_t ** 0.5
        x0_coeff = (alpha_prev ** 0.5 * current_beta) / beta_t
        sample_coeff = current_alpha ** 0.5 * beta_prev / beta_t
        prev_sample = x0_coeff * x0 + sample_coeff * sample
        if t > 0:
            noise = torch.randn(model_output.shape, generator=generator, dtype=model_output.dtype)
            variance = (1 - alpha_prev) / (1 - alpha_t) * (1 - alpha_t / alpha_prev)
            prev_sample = prev_sample + (torch.clamp(variance, min=1e-20) ** 0.5) * noise
        return prev_sample


class SigmaScheduler:
    """The k-diffusion family's common part: float timesteps, sigmas with a final 0, scaled model input."""

    def __init__(self, values, steps, defaults, karras_allowed=True):
        self.config = Config(values, dict({"timestep_spacing": "linspace", "use_karras_sigmas": False}, **defaults))
        karras = bool(self.config.get("use_karras_sigmas")) and karras_allowed
        spacing, offset = self.config.spacing()
        timesteps, sigmas, init = euler_sigmas(spacing, steps, karras, offset)
        self.timesteps = [float(t) for t in timesteps]
        self.sigmas = torch.from_numpy(sigmas)
        self.init_noise_sigma = torch.tensor(init, dtype=torch.float32)

    def scale(self, sample, i):
        sigma = self.sigmas[i]
        return sample / ((sigma ** 2 + 1) ** 0.5)


class Euler(SigmaScheduler):
    """scheduling_euler_discrete.py, s_churn 0."""

    def __init__(self, values, steps):
        super().__init__(values, steps, {})

    def step(self, model_output, i, sample, generator):
        sigma_hat = self.sigmas[i] * (0.0 + 1)
        x0 = sample - sigma_hat * model_output
        derivative = (sample - x0) / sigma_hat
        dt = self.sigmas[i + 1] - sigma_hat
        return sample + derivative * dt


class EulerAncestral(SigmaScheduler):
    """scheduling_euler_ancestral_discrete.py: noise from the generator at every step (Karras sigmas ignored)."""

    def __init__(self, values, steps):
        super().__init__(values, steps, {}, karras_allowed=False)

    def step(self, model_output, i, sample, generator):
        sigma = self.sigmas[i]
        x0 = sample - sigma * model_output
        sigma_from, sigma_to = self.sigmas[i], self.sigmas[i + 1]
        sigma_up = (sigma_to ** 2 * (sigma_from ** 2 - sigma_to ** 2) / sigma_from ** 2) ** 0.5
        sigma_down = (sigma_to ** 2 - sigma_up ** 2) ** 0.5
        derivative = (sample - x0) / sigma
        dt = sigma_down - sigma
        prev_sample = sample + derivative * dt
        noise = torch.randn(model_output.shape, generator=generator, dtype=model_output.dtype)
        return prev_sample + noise * sigma_up


class Lms(SigmaScheduler):
    """scheduling_lms_discrete.py, order 4; the Lagrange-basis coefficients integrated exactly."""
    order = 4

    def __init__(self, values, steps):
        super().__init__(values, steps, {})
        self.derivatives = []

    def coefficient(self, order, t, current):
        s = self.sigmas.double().numpy()
        poly = np.poly1d([1.0])
        for k in range(order):
            if k != current:
                poly = poly * np.poly1d([1.0, -s[t - k]]) / (s[t - current] - s[t - k])
        integral = poly.integ()
        return float(integral(s[t + 1]) - integral(s[t]))

    def step(self, model_output, i, sample, generator):
        sigma = self.sigmas[i]
        x0 = sample - sigma * model_output
        self.derivatives.append((sample - x0) / sigma)
        if len(self.derivatives) > self.order:
            self.derivatives.pop(0)
        order = min(i + 1, self.order)
        coefficients = [self.coefficient(order, i, k) for k in range(order)]
        return sample + sum(c * d for c, d in zip(coefficients, reversed(self.derivatives)))


class Heun(SigmaScheduler):
    """scheduling_heun_discrete.py: 2n - 1 calls, sigmas and timesteps doubled after the first."""

    def __init__(self, values, steps):
        super().__init__(values, steps, {"clip_sample": False})
        self.config.require("clip_sample", [False])
        s = self.sigmas
        self.sigmas = torch.cat([s[:1], s[1:-1].repeat_interleave(2), s[-1:]])
        self.timesteps = self.timesteps[:1] + [t for t in self.timesteps[1:] for _ in range(2)]
        self.first = None

    def step(self, model_output, i, sample, generator):
        first_order = self.first is None
        sigma, sigma_next = ((self.sigmas[i], self.sigmas[i + 1]) if first_order
                             else (self.sigmas[i - 1], self.sigmas[i]))
        sigma_hat = sigma * (0 + 1)
        x0 = sample - (sigma_hat if first_order else sigma_next) * model_output
        if first_order:
            derivative = (sample - x0) / sigma_hat
            dt = sigma_next - sigma_hat
            self.first = (derivative, dt, sample)
        else:
            derivative = (sample - x0) / sigma_next
            previous_derivative, dt, sample = self.first
            derivative = (previous_derivative + derivative) / 2
            self.first = None
        return sample + derivative * dt


def sigma_to_t(sigma, log_sigmas):
    """KDPM2's torch version of the sigma -> fractional timestep interpolation."""
    log_sigma = sigma.log()
    dists = log_sigma - log_sigmas[:, None]
    low = dists.ge(0).cumsum(dim=0).argmax(dim=0).clamp(max=log_sigmas.shape[0] - 2)
    high = low + 1
    w = ((log_sigmas[low] - log_sigma) / (log_sigmas[low] - log_sigmas[high])).clamp(0, 1)
    return ((1 - w) * low + w * high).view(sigma.shape)


class KDpm2(SigmaScheduler):
    """scheduling_k_dpm_2_discrete.py: a first-order half step to the log-midpoint sigma, then the full step."""

    def __init__(self, values, steps):
        super().__init__(values, steps, {})
        s = self.sigmas
        midpoints = s.log().lerp(s.roll(1).log(), 0.5).exp()
        self.sigmas = torch.cat([s[:1], s[1:].repeat_interleave(2), s[-1:]])
        self.midpoints = torch.cat([midpoints[:1], midpoints[1:].repeat_interleave(2), midpoints[-1:]])
        timesteps = torch.tensor(self.timesteps[:steps], dtype=torch.float32)
        middle = sigma_to_t(midpoints, torch.from_numpy(np.log(SIGMA_TABLE))).to(timesteps.dtype)
        interleaved = torch.stack((middle[1:-1, None], timesteps[1:, None]), dim=-1).flatten()
        self.timesteps = [float(t) for t in torch.cat([timesteps[:1], interleaved])]
        self.sample = None

    def scale(self, sample, i):
        sigma = self.sigmas[i] if self.sample is None else self.midpoints[i]
        return sample / ((sigma ** 2 + 1) ** 0.5)

    def step(self, model_output, i, sample, generator):
        first_order = self.sample is None
        if first_order:
            sigma, midpoint, sigma_next = self.sigmas[i], self.midpoints[i + 1], self.sigmas[i + 1]
        else:
            sigma, midpoint, sigma_next = self.sigmas[i - 1], self.midpoints[i], self.sigmas[i]
        sigma_hat = sigma * (0 + 1)
        x0 = sample - (sigma_hat if first_order else midpoint) * model_output
        if first_order:
            derivative = (sample - x0) / sigma_hat
            dt = midpoint - sigma_hat
            self.sample = sample
        else:
            derivative = (sample - x0) / midpoint
            dt = sigma_next - sigma_hat
            sample = self.sample
            self.sample = None
        return sample + derivative * dt


class SolverScheduler:
    """DPM-Solver++ and UniPC's common part: integer timesteps, sigmas with a final 0, data (x0) prediction."""
    init_noise_sigma = 1.0

    def __init__(self, config, steps, timesteps):
        config.require("use_karras_sigmas", [False, True])
        config.require("final_sigmas_type", ["zero"])
        config.require("thresholding", [False])
        if config.get("use_karras_sigmas"):
            timesteps, sigmas = dpm_karras(steps)
            self.sigmas = torch.from_numpy(sigmas)
        else:
            self.sigmas = interpolated_sigmas(timesteps)
        self.timesteps = [int(t) for t in timesteps]
        self.config = config
        self.order = int(config.get("solver_order"))

    def scale(self, sample, i):
        return sample

    def x0(self, model_output, i, sample):
        alpha_t, sigma_t = alpha_sigma(self.sigmas[i])
        return (sample - sigma_t * model_output) / alpha_t


SOLVER_DEFAULTS = {"timestep_spacing": "linspace", "solver_order": 2, "use_karras_sigmas": False,
                   "final_sigmas_type": "zero", "thresholding": False, "lower_order_final": True}


class DpmSolverMultistep(SolverScheduler):
    """scheduling_dpmsolver_multistep.py: DPM-Solver++ (midpoint), orders 1 and 2."""

    def __init__(self, values, steps):
        config = Config(values, dict(SOLVER_DEFAULTS, algorithm_type="dpmsolver++", solver_type="midpoint",
                                     euler_at_final=False))
        config.require("algorithm_type", ["dpmsolver++"])
        config.require("solver_type", ["midpoint"])
        config.require("solver_order", [1, 2])
        spacing, offset = config.spacing()
        super().__init__(config, steps, solver_timesteps(spacing, steps, offset))
        self.outputs = [None] * self.order
        self.lower_order_nums = 0

    def first_order(self, x0, i, sample):
        alpha_t, sigma_t = alpha_sigma(self.sigmas[i + 1])
        _, sigma_s = alpha_sigma(self.sigmas[i])
        h = log_snr(self.sigmas[i + 1]) - log_snr(self.sigmas[i])
        return (sigma_t / sigma_s) * sample - (alpha_t * (torch.exp(-h) - 1.0)) * x0

    def second_order(self, i, sample):
        alpha_t, sigma_t = alpha_sigma(self.sigmas[i + 1])
        _, sigma_s0 = alpha_sigma(self.sigmas[i])
        lambda_t, lambda_s0, lambda_s1 = (log_snr(self.sigmas[j]) for j in (i + 1, i, i - 1))
        m0, m1 = self.outputs[-1], self.outputs[-2]
        h, h_0 = lambda_t - lambda_s0, lambda_s0 - lambda_s1
        r0 = h_0 / h
        d0, d1 = m0, (1.0 / r0) * (m0 - m1)
        return ((sigma_t / sigma_s0) * sample - (alpha_t * (torch.exp(-h) - 1.0)) * d0
                - 0.5 * (alpha_t * (torch.exp(-h) - 1.0)) * d1)

    def step(self, model_output, i, sample, generator):
        n = len(self.timesteps)
        lower_order_final = i == n - 1 and (self.config.get("euler_at_final")
                                            or (self.config.get("lower_order_final") and n < 15)
                                            or self.config.get("final_sigmas_type") == "zero")
        x0 = self.x0(model_output, i, sample)
        self.outputs = self.outputs[1:] + [x0]
        if self.order == 1 or self.lower_order_nums < 1 or lower_order_final:
            prev_sample = self.first_order(x0, i, sample)
        else:
            prev_sample = self.second_order(i, sample)
        self.lower_order_nums = min(self.lower_order_nums + 1, self.order)
        return prev_sample


class DpmSolverSinglestep(DpmSolverMultistep):
    """scheduling_dpmsolver_singlestep.py: DPM-Solver++ 2S, linspace timesteps whatever the config says."""

    def __init__(self, values, steps):
        super().__init__(dict(values, timestep_spacing="linspace"), steps)
        self.config.require("lower_order_final", [True])
        if self.order == 2:
            orders = [1, 2] * (steps // 2 - 1) + [1, 1] if steps % 2 == 0 else [1, 2] * (steps // 2) + [1]
        else:
            orders = [1] * steps
        orders[-1] = 1  # final_sigmas_type zero
        self.orders = orders
        self.sample = None

    def step(self, model_output, i, sample, generator):
        self.outputs = self.outputs[1:] + [self.x0(model_output, i, sample)]
        order = self.orders[i]
        while self.outputs[-order] is None:
            order -= 1
        if order == 1:
            self.sample = sample
            return self.first_order(self.outputs[-1], i, sample)
        alpha_t, sigma_t = alpha_sigma(self.sigmas[i + 1])
        _, sigma_s1 = alpha_sigma(self.sigmas[i - 1])
        lambda_t, lambda_s0, lambda_s1 = (log_snr(self.sigmas[j]) for j in (i + 1, i, i - 1))
        m0, m1 = self.outputs[-1], self.outputs[-2]
        h, h_0 = lambda_t - lambda_s1, lambda_s0 - lambda_s1
        r0 = h_0 / h
        d0, d1 = m1, (1.0 / r0) * (m0 - m1)
        return ((sigma_t / sigma_s1) * self.sample - (alpha_t * (torch.exp(-h) - 1.0)) * d0
                - 0.5 * (alpha_t * (torch.exp(-h) - 1.0)) * d1)


class UniPc(SolverScheduler):
    """scheduling_unipc_multistep.py: B(h) predictor with the UniC corrector, data prediction."""

    def __init__(self, values, steps):
        config = Config(values, dict(SOLVER_DEFAULTS, solver_type="bh2", predict_x0=True, disable_corrector=[]))
        config.require("solver_type", ["bh1", "bh2"])
        config.require("predict_x0", [True])
        config.require("solver_order", [1, 2])
        spacing, offset = config.spacing()
        super().__init__(config, steps, solver_timesteps(spacing, steps, offset))
        self.outputs = [None] * self.order
        self.lower_order_nums = 0
        self.last_sample = None
        self.this_order = None

    def coefficients(self, h, order, rks):
        """UniPC's R matrix and b vector for the step size h; also h*phi_1(-h) and B(h)."""
        hh = -h
        h_phi_1 = torch.expm1(hh)
        h_phi_k = h_phi_1 / hh - 1
        b_h = hh if self.config.get("solver_type") == "bh1" else torch.expm1(hh)
        rows, b, factorial = [], [], 1
        for k in range(1, order + 1):
            rows.append(torch.pow(rks, k - 1))
            b.append(h_phi_k * factorial / b_h)
            factorial *= k + 1
            h_phi_k = h_phi_k / hh - 1 / factorial
        return torch.stack(rows), torch.tensor(b), h_phi_1, b_h

    def differences(self, order, index, lambda_s0, h, m0):
        """The ratios r_k of earlier log-SNR steps and the scaled output differences D1_k, k = 1 .. order-1."""
        rks, d1s = [], []
        for k in range(1, order):
            rk = (log_snr(self.sigmas[index - k]) - lambda_s0) / h
            rks.append(rk)
            d1s.append((self.outputs[-(k + 1)] - m0) / rk)
        rks.append(1.0)
        return torch.tensor(rks), (torch.stack(d1s, dim=1) if d1s else None)

    def predictor(self, sample, i, order):
        m0 = self.outputs[-1]
        alpha_t, sigma_t = alpha_sigma(self.sigmas[i + 1])
        _, sigma_s0 = alpha_sigma(self.sigmas[i])
        lambda_s0 = log_snr(self.sigmas[i])
        h = log_snr(self.sigmas[i + 1]) - lambda_s0
        rks, d1s = self.differences(order, i, lambda_s0, h, m0)
        r, b, h_phi_1, b_h = self.coefficients(h, order, rks)
        x_t_ = sigma_t / sigma_s0 * sample - alpha_t * h_phi_1 * m0
        if d1s is None:
            return x_t_ - alpha_t * b_h * 0
        rhos = torch.tensor([0.5]) if order == 2 else torch.linalg.solve(r[:-1, :-1], b[:-1])
        return x_t_ - alpha_t * b_h * torch.einsum("k,bkc...->bc...", rhos, d1s)

    def corrector(self, model_t, i, order):
        m0 = self.outputs[-1]
        x = self.last_sample
        alpha_t, sigma_t = alpha_sigma(self.sigmas[i])
        _, sigma_s0 = alpha_sigma(self.sigmas[i - 1])
        lambda_s0 = log_snr(self.sigmas[i - 1])
        h = log_snr(self.sigmas[i]) - lambda_s0
        rks, d1s = self.differences(order, i - 1, lambda_s0, h, m0)
        r, b, h_phi_1, b_h = self.coefficients(h, order, rks)
        rhos = torch.tensor([0.5]) if order == 1 else torch.linalg.solve(r, b)
        x_t_ = sigma_t / sigma_s0 * x - alpha_t * h_phi_1 * m0
        correction = torch.einsum("k,bkc...->bc...", rhos[:-1], d1s) if d1s is not None else 0
        return x_t_ - alpha_t * b_h * (correction + rhos[-1] * (model_t - m0))

    def step(self, model_output, i, sample, generator):
        x0 = self.x0(model_output, i, sample)
        if i > 0 and (i - 1) not in self.config.get("disable_corrector") and self.last_sample is not None:
            sample = self.corrector(x0, i, self.this_order)
        self.outputs = self.outputs[1:] + [x0]
        this_order = min(self.order, len(self.timesteps) - i) if self.config.get("lower_order_final") else self.order
        self.this_order = min(this_order, self.lower_order_nums + 1)
        self.last_sample = sample
        prev_sample = self.predictor(sample, i, self.this_order)
        self.lower_order_nums = min(self.lower_order_nums + 1, self.order)
        return prev_sample


CLASSES = {
    "PNDMScheduler": Pndm,
    "DDIMScheduler": Ddim,
    "DDPMScheduler": Ddpm,
    "EulerDiscreteScheduler": Euler,
    "EulerAncestralDiscreteScheduler": EulerAncestral,
    "LMSDiscreteScheduler": Lms,
    "HeunDiscreteScheduler": Heun,
    "KDPM2DiscreteScheduler": KDpm2,
    "DPMSolverMultistepScheduler": DpmSolverMultistep,
    "DPMSolverSinglestepScheduler": DpmSolverSinglestep,
    "UniPCMultistepScheduler": UniPc,
}


def create(class_name, config, steps):
    """The scheduler diffusers' `<class_name>.from_config(config)` with `set_timesteps(steps)` would be."""
    if class_name not in CLASSES:
        raise ValueError(f"no reference for scheduler class '{class_name}'; known: {', '.join(CLASSES)}")
    return CLASSES[class_name](config, steps)
