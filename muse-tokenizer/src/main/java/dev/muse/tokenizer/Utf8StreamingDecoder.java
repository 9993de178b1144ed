package dev.muse.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Buffers token bytes and releases only complete UTF-8 sequences. */
final class Utf8StreamingDecoder implements StreamingDecoder {
    private final BaseTokenizer tokenizer;
    private byte[] pending = new byte[0];
    private boolean afterBos;

    Utf8StreamingDecoder(BaseTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public String accept(int id) {
        tokenizer.checkId(id);
        if (id == tokenizer.bosId()) {
            afterBos = true;
            return "";
        }
        byte[] bytes = tokenizer.tokenBytes(id);
        if (bytes.length == 0) return "";
        if (afterBos && tokenizer.stripsLeadingSpace() && bytes[0] == ' ') bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        afterBos = false;
        ByteArrayOutputStream all = new ByteArrayOutputStream(pending.length + bytes.length);
        all.writeBytes(pending);
        all.writeBytes(bytes);
        byte[] b = all.toByteArray();
        int complete = completePrefix(b);
        pending = Arrays.copyOfRange(b, complete, b.length);
        return new String(b, 0, complete, StandardCharsets.UTF_8);
    }

    @Override
    public String flush() {
        String s = new String(pending, StandardCharsets.UTF_8);
        pending = new byte[0];
        return s;
    }

    /** Length of the longest prefix that does not end inside an unfinished multi-byte sequence. */
    static int completePrefix(byte[] b) {
        int len = b.length;
        for (int k = 1; k <= Math.min(4, len); k++) {
            int c = b[len - k] & 0xFF;
            if ((c & 0xC0) == 0x80) continue; // continuation byte: keep looking for the lead byte
            int need = c < 0x80 ? 1 : c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;
            return need > k ? len - k : len;
        }
        return len; // only continuation bytes at the end: malformed, let the decoder replace them
    }
}
