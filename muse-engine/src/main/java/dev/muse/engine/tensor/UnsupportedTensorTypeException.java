package dev.muse.engine.tensor;

/** A tensor uses a type this engine cannot compute with; the message names it and lists the supported ones. */
public final class UnsupportedTensorTypeException extends IllegalArgumentException {
    public UnsupportedTensorTypeException(String what) {
        super(what + " is not supported by the embedded engine; supported tensor types: " + GgmlType.supportedNames()
                + ". Use a GGUF quantised as one of these (for example Q4_K_M or Q8_0).");
    }
}
