package dev.torchsd.embedding;

import java.util.Map;

/**
 * An instance of an allowed class (e.g. {@code torch.nn.ParameterDict} in old AUTOMATIC1111 files)
 * kept as plain data: its class name and the state dictionary the pickle gave it. Nothing of the
 * class is ever run.
 */
public record PickledObject(String className, Map<Object, Object> state) {}
