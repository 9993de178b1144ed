package dev.muse.engine.model;

/** The model's architecture is not one the embedded engine implements. */
public final class UnsupportedArchitectureException extends IllegalArgumentException {
    public UnsupportedArchitectureException(String name) {
        super("model architecture '" + name + "' is not supported by the embedded engine; supported architectures: "
                + Architecture.supportedNames() + ". Use a model of one of these families, or a remote backend.");
    }
}
