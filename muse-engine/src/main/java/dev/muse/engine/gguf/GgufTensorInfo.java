package dev.muse.engine.gguf;

import dev.muse.engine.tensor.GgmlType;

/**
 * One tensor's entry in a GGUF file: name, shape in ggml order ({@code shape[0]} is the row length), type, and
 * where its bytes are, relative to the start of the data section.
 */
public record GgufTensorInfo(String name, long[] shape, GgmlType type, long offset, long byteSize) {
    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
