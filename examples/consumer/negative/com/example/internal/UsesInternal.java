package com.example.internal;

import dev.torchsd.model.Model;

/** Imports an internal torchsd type; javac must refuse it on the module path. */
final class UsesInternal {
    Model model;
}
