"""CLIP's text transformer (Hugging Face CLIPTextModel layout, as SD 1.x checkpoints store it under
`cond_stage_model.transformer.text_model.`).

The export takes token *embeddings*, not ids: Java owns the token-embedding table, so textual
inversion can append rows without re-exporting. `skip_layers` returns an earlier layer's hidden
states (clip skip), passed through the final layer norm as diffusers and AUTOMATIC1111 do.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import causal_attention, merge_heads, split_heads
from .config import TextConfig


class QuickGELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class GELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(x)


class Embeddings(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.token_embedding = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.position_embedding = nn.Embedding(cfg.max_length, cfg.hidden_size)


class SelfAttention(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.heads = cfg.num_heads
        self.q_proj = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.k_proj = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.v_proj = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.out_proj = nn.Linear(cfg.hidden_size, cfg.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = split_heads(self.q_proj(x), self.heads)
        k = split_heads(self.k_proj(x), self.heads)
        v = split_heads(self.v_proj(x), self.heads)
        return self.out_proj(merge_heads(causal_attention(q, k, v)))


class MLP(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.fc1 = nn.Linear(cfg.hidden_size, cfg.intermediate_size)
        self.activation = QuickGELU() if cfg.hidden_act == "quick_gelu" else GELU()
        self.fc2 = nn.Linear(cfg.intermediate_size, cfg.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.activation(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.self_attn = SelfAttention(cfg)
        self.layer_norm1 = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.mlp = MLP(cfg)
        self.layer_norm2 = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.self_attn(self.layer_norm1(x))
        return x + self.mlp(self.layer_norm2(x))


class Encoder(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.layers = nn.ModuleList([EncoderLayer(cfg) for _ in range(cfg.num_layers)])


class TextModel(nn.Module):
    """forward(inputs_embeds (B, T, H), skip_layers) -> hidden states (B, T, H)."""

    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.embeddings = Embeddings(cfg)
        self.encoder = Encoder(cfg)
        self.final_layer_norm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.normed_output = cfg.output == "final_layer_norm"

    def forward(self, inputs_embeds: torch.Tensor, skip_layers: int) -> torch.Tensor:
        x = self.hidden(inputs_embeds, skip_layers)
        if self.normed_output:
            x = self.final_layer_norm(x)
        return x.to(torch.float32)

    def hidden(self, inputs_embeds: torch.Tensor, skip_layers: int) -> torch.Tensor:
        """The hidden states after layer (num_layers - skip_layers), in the weights' dtype."""
        tokens = inputs_embeds.shape[1]
        weights = self.embeddings.position_embedding.weight  # fp16 exports take and return float32
        x = inputs_embeds.to(weights.dtype) + weights[:tokens].unsqueeze(0)
        last = len(self.encoder.layers) - skip_layers
        i = 0
        for layer in self.encoder.layers:
            if i < last:
                x = layer(x)
            i += 1
        return x

    def embed_ids(self, ids: torch.Tensor) -> torch.Tensor:
        """Python-side convenience for tests; Java does this lookup itself."""
        return self.embeddings.token_embedding(ids)


class TextModelWithProjection(TextModel):
    """SDXL's OpenCLIP bigG: also pooled(inputs_embeds, eos_index) = text_projection of the last layer's final-
    layer-normed state at each row's EOS position (Hugging Face CLIPTextModelWithProjection's text_embeds)."""

    def __init__(self, cfg: TextConfig):
        super().__init__(cfg)
        self.text_projection = nn.Linear(cfg.hidden_size, cfg.projection_dim, bias=False)

    @torch.jit.export
    def pooled(self, inputs_embeds: torch.Tensor, eos_index: torch.Tensor) -> torch.Tensor:
        x = self.final_layer_norm(self.hidden(inputs_embeds, 0))
        rows = torch.arange(x.shape[0], device=x.device)
        return self.text_projection(x[rows, eos_index.to(torch.long)]).to(torch.float32)
