"""Trains torchsd's built-in model: a small SD 1.x-architecture text-to-image model that draws
simple captioned scenes (see docs/training.md)."""
