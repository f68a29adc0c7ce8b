"""Architecture sizes. The same code builds SD 1.5 at full size and torchsd's tiny test model."""
from dataclasses import dataclass, field, asdict
from typing import Tuple


@dataclass
class TextConfig:
    """CLIP text transformer (SD 1.x: OpenAI CLIP ViT-L/14's text tower)."""
    vocab_size: int = 49408
    hidden_size: int = 768
    num_layers: int = 12
    num_heads: int = 12
    intermediate_size: int = 3072
    max_length: int = 77
    hidden_act: str = "quick_gelu"
    layer_norm_eps: float = 1e-5


@dataclass
class UNetConfig:
    """ldm's UNetModel as SD 1.x configures it. attention_levels are the indices into channel_mult
    whose blocks carry a spatial transformer (SD 1.x: attention_resolutions 4,2,1 = levels 0,1,2)."""
    in_channels: int = 4
    out_channels: int = 4
    model_channels: int = 320
    channel_mult: Tuple[int, ...] = (1, 2, 4, 4)
    num_res_blocks: int = 2
    attention_levels: Tuple[int, ...] = (0, 1, 2)
    num_heads: int = 8            # SD 1.x: fixed head count
    head_channels: int = -1       # SD 2.x: fixed head width (64) instead; -1 = unused
    transformer_depth: int = 1
    context_dim: int = 768
    linear_projection: bool = False   # SD 2.x uses Linear proj_in/proj_out
    norm_groups: int = 32


@dataclass
class VAEConfig:
    """ldm's AutoencoderKL (encoder, decoder, quant convs)."""
    in_channels: int = 3
    out_channels: int = 3
    ch: int = 128
    ch_mult: Tuple[int, ...] = (1, 2, 4, 4)
    num_res_blocks: int = 2
    z_channels: int = 4
    embed_dim: int = 4
    scaling_factor: float = 0.18215
    norm_groups: int = 32

    @property
    def scale_factor(self) -> int:
        return 2 ** (len(self.ch_mult) - 1)


@dataclass
class ModelConfig:
    name: str
    family: str
    text: TextConfig = field(default_factory=TextConfig)
    unet: UNetConfig = field(default_factory=UNetConfig)
    vae: VAEConfig = field(default_factory=VAEConfig)
    prediction_type: str = "epsilon"
    default_size: int = 512
    pad_token_id: int = 49407

    def to_dict(self):
        return asdict(self)


# SD 1.5's scheduler config (diffusers' scheduler_config.json of runwayml/stable-diffusion-v1-5).
SD15_SCHEDULER = {
    "_class_name": "PNDMScheduler",
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "trained_betas": None,
    "steps_offset": 1,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "clip_sample": False,
    "prediction_type": "epsilon",
    "timestep_spacing": "leading",
}


# SD 2.x's scheduler configs (diffusers' scheduler_config.json of stabilityai/stable-diffusion-2-1-base and
# stabilityai/stable-diffusion-2-1): the same training schedule as SD 1.x; the 768-v model predicts v.
SD2_BASE_SCHEDULER = dict(SD15_SCHEDULER)
SD2_V_SCHEDULER = dict(SD15_SCHEDULER, _class_name="DDIMScheduler", prediction_type="v_prediction")


def scheduler_for(cfg: "ModelConfig") -> dict:
    if cfg.family == "sd2" and cfg.prediction_type == "v_prediction":
        return dict(SD2_V_SCHEDULER)
    if cfg.family == "sd2":
        return dict(SD2_BASE_SCHEDULER)
    return dict(SD15_SCHEDULER, prediction_type=cfg.prediction_type)


def sd15() -> ModelConfig:
    return ModelConfig(name="sd15", family="sd1")


def tiny(vocab_size: int) -> ModelConfig:
    """A few-MB model of the SD 1.x architecture: every block type, small widths."""
    return ModelConfig(
        name="tiny",
        family="sd1",
        text=TextConfig(vocab_size=vocab_size, hidden_size=32, num_layers=3, num_heads=4,
                        intermediate_size=64),
        unet=UNetConfig(model_channels=32, channel_mult=(1, 2), num_res_blocks=1,
                        attention_levels=(0, 1), num_heads=4, context_dim=32),
        vae=VAEConfig(ch=32, ch_mult=(1, 1, 1, 1), num_res_blocks=1),
        default_size=64,
    )


def sd2(v_prediction: bool) -> ModelConfig:
    """SD 2.x: OpenCLIP ViT-H/14's text tower (1024 wide, GELU, 16 heads) without its last layer (SD 2.x
    conditions on the penultimate one), U-Net with 64-channel heads, linear projections and 1024-wide context.
    512-base predicts noise (epsilon); 768-v predicts v."""
    return ModelConfig(
        name="sd2-768-v" if v_prediction else "sd2-base",
        family="sd2",
        text=TextConfig(hidden_size=1024, num_layers=23, num_heads=16, intermediate_size=4096, hidden_act="gelu"),
        unet=UNetConfig(num_heads=-1, head_channels=64, context_dim=1024, linear_projection=True),
        prediction_type="v_prediction" if v_prediction else "epsilon",
        default_size=768 if v_prediction else 512,
        pad_token_id=0,
    )


# OpenCLIP ViT-H/14's text tower has 24 layers; SD 2.x uses the output of the 23rd.
OPENCLIP_LAYERS_DROPPED = 1
