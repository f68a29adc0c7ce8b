"""SD 1.5's training schedule: scaled_linear betas 0.00085..0.012 over 1000 steps, epsilon
prediction. Also a deterministic DDIM sampler with classifier-free guidance for quick checks
during training (the Java pipeline is what the evaluation uses)."""
import torch

TIMESTEPS = 1000


def alphas_cumprod() -> torch.Tensor:
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, TIMESTEPS, dtype=torch.float64) ** 2
    return torch.cumprod(1.0 - betas, dim=0).float()


def add_noise(latents, noise, t, abar):
    a = abar[t].sqrt().view(-1, 1, 1, 1)
    s = (1.0 - abar[t]).sqrt().view(-1, 1, 1, 1)
    return a * latents + s * noise


def min_snr_weight(t, abar, gamma=5.0):
    """Min-SNR-gamma loss weight for epsilon prediction: min(snr, gamma) / snr (faster convergence)."""
    snr = abar[t] / (1.0 - abar[t])
    return torch.clamp(snr, max=gamma) / snr


@torch.no_grad()
def ddim_sample(unet, context, uncond, shape, steps=30, guidance=7.5, generator=None):
    abar = alphas_cumprod()
    x = torch.randn(shape, generator=generator)
    ts = list(range(0, TIMESTEPS, TIMESTEPS // steps))[::-1]
    both = torch.cat([uncond.expand(shape[0], -1, -1), context])
    for i, t in enumerate(ts):
        eps_u, eps_c = unet(torch.cat([x, x]), torch.tensor(float(t)), both).chunk(2)
        eps = eps_u + guidance * (eps_c - eps_u)
        a_t = abar[t]
        a_prev = abar[ts[i + 1]] if i + 1 < len(ts) else torch.tensor(1.0)
        x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
    return x
