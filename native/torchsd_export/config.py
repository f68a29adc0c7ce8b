"""Architecture sizes. The same code builds SD 1.5 at full size and torchsd's tiny test model."""
from dataclasses import dataclass, field, asdict
from typing import Optional, Tuple


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
    # "final_layer_norm" (SD 1.x/2.x): forward returns the chosen layer through the final layer norm;
    # "hidden" (SDXL): the chosen layer's hidden states as they are, Hugging Face's hidden_states[-(skip + 1)].
    output: str = "final_layer_norm"
    projection_dim: int = 0       # SDXL's OpenCLIP bigG: text_projection's width, for the pooled embedding


@dataclass
class UNetConfig:
    """ldm's UNetModel as SD 1.x configures it. attention_levels are the indices into channel_mult
    whose blocks carry a spatial transformer (SD 1.x: attention_resolutions 4,2,1 = levels 0,1,2).
    transformer_depth is the middle block's number of transformer blocks, and every level's unless
    transformer_depths gives one per level (SDXL: 1,2,10 and 10 in the middle). adm_in_channels > 0 adds
    SDXL's label_emb: the pooled text embedding and each time id's addition_time_embed_dim-wide
    sinusoidal embedding, added to the timestep embedding."""
    in_channels: int = 4
    out_channels: int = 4
    model_channels: int = 320
    channel_mult: Tuple[int, ...] = (1, 2, 4, 4)
    num_res_blocks: int = 2
    attention_levels: Tuple[int, ...] = (0, 1, 2)
    num_heads: int = 8            # SD 1.x: fixed head count
    head_channels: int = -1       # SD 2.x: fixed head width (64) instead; -1 = unused
    transformer_depth: int = 1
    transformer_depths: Tuple[int, ...] = ()
    context_dim: int = 768
    linear_projection: bool = False   # SD 2.x uses Linear proj_in/proj_out
    norm_groups: int = 32
    adm_in_channels: int = 0
    addition_time_embed_dim: int = 256

    def depth_at(self, level: int) -> int:
        return self.transformer_depths[level] if self.transformer_depths else self.transformer_depth


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
    """text is the first (or only) text encoder, text_2 SDXL's OpenCLIP bigG; the SDXL refiner has text_2 only."""
    name: str
    family: str
    text: Optional[TextConfig] = field(default_factory=TextConfig)
    unet: UNetConfig = field(default_factory=UNetConfig)
    vae: VAEConfig = field(default_factory=VAEConfig)
    prediction_type: str = "epsilon"
    default_size: int = 512
    pad_token_id: int = 49407
    text_2: Optional[TextConfig] = None
    pad_token_id_2: int = 0       # OpenCLIP's tokenizer pads with id 0 ('!')

    @property
    def time_ids(self) -> int:
        """SDXL: how many numbers condition the U-Net besides the text (base 6, refiner 5); 0 otherwise."""
        if not self.unet.adm_in_channels:
            return 0
        return (self.unet.adm_in_channels - self.text_2.projection_dim) // self.unet.addition_time_embed_dim

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


# SDXL's scheduler config (diffusers' scheduler_config.json of stabilityai/stable-diffusion-xl-base-1.0 and
# -refiner-1.0, which are the same): Euler, the training schedule of SD 1.x, leading spacing.
SDXL_SCHEDULER = dict(
    SD15_SCHEDULER,
    _class_name="EulerDiscreteScheduler",
    sample_max_value=1.0,
    interpolation_type="linear",
    use_karras_sigmas=False,
)

SDXL_FAMILIES = ("sdxl", "sdxl-refiner")
SD_VAE_SCALING, SDXL_VAE_SCALING = 0.18215, 0.13025  # SDXL's VAE: the same architecture, retrained


def vae_scaling(family: str) -> float:
    """The scaling factor of the family's VAE (SD 1.x/2.x share one VAE; SDXL base and refiner the other)."""
    return SDXL_VAE_SCALING if family in SDXL_FAMILIES else SD_VAE_SCALING


def scheduler_for(cfg: "ModelConfig") -> dict:
    if cfg.family in SDXL_FAMILIES:
        return dict(SDXL_SCHEDULER, prediction_type=cfg.prediction_type)
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


def openclip_bigg() -> TextConfig:
    """OpenCLIP ViT-bigG/14's text tower as SDXL uses it: all 32 layers (the penultimate conditions, the last
    one feeds the pooled embedding), hidden-state output, text_projection 1280 -> 1280."""
    return TextConfig(hidden_size=1280, num_layers=32, num_heads=20, intermediate_size=5120, hidden_act="gelu",
                      output="hidden", projection_dim=1280)


def sdxl() -> ModelConfig:
    """SDXL base (Stability's sd_xl_base.yaml): CLIP ViT-L/14 and OpenCLIP bigG, U-Net of 320 channels x [1, 2, 4]
    with attention at levels 1 and 2 only (2 and 10 transformer blocks, 10 in the middle; the yaml's
    transformer_depth [1, 2, 10] names 1 for level 0, which has none), 64-channel heads, linear projections,
    2048-wide context, adm 2816 = 1280 pooled + 6 time ids x 256; SD's VAE scaled by 0.13025."""
    return ModelConfig(
        name="sdxl-base", family="sdxl", text=TextConfig(output="hidden"), text_2=openclip_bigg(),
        unet=UNetConfig(channel_mult=(1, 2, 4), attention_levels=(1, 2), num_heads=-1, head_channels=64,
                        transformer_depth=10, transformer_depths=(0, 2, 10), context_dim=2048, linear_projection=True,
                        adm_in_channels=2816),
        vae=VAEConfig(scaling_factor=SDXL_VAE_SCALING), default_size=1024)


def sdxl_refiner() -> ModelConfig:
    """SDXL refiner (sd_xl_refiner.yaml): OpenCLIP bigG only, U-Net of 384 channels x [1, 2, 4, 4] with 4 transformer
    blocks at levels 1 and 2 and in the middle, 1280-wide context, adm 2560 = 1280 pooled + 5 time ids x 256."""
    return ModelConfig(
        name="sdxl-refiner", family="sdxl-refiner", text=None, text_2=openclip_bigg(),
        unet=UNetConfig(model_channels=384, channel_mult=(1, 2, 4, 4), attention_levels=(1, 2), num_heads=-1,
                        head_channels=64, transformer_depth=4, context_dim=1280, linear_projection=True,
                        adm_in_channels=2560),
        vae=VAEConfig(scaling_factor=SDXL_VAE_SCALING), default_size=1024)
