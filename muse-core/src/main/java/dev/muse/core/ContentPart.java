package dev.muse.core;

import java.util.Base64;
import java.util.Objects;

/** One part of a message's content: text, or an image given as a URL (http(s) or a data URL). */
public sealed interface ContentPart {

    record Text(String text) implements ContentPart {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** An image; {@code url} is either an http(s) URL or a {@code data:<mime>;base64,...} URL. */
    record Image(String url, String detail) implements ContentPart {
        public Image {
            Objects.requireNonNull(url, "url");
            if (!(url.startsWith("data:") || url.startsWith("http://") || url.startsWith("https://"))) {
                throw new IllegalArgumentException(
                        "image url must be a data: URL or an http(s) URL, got: " + abbreviate(url));
            }
        }

        public Image(String url) {
            this(url, null);
        }

        public static Image ofBytes(String mimeType, byte[] data) {
            return new Image("data:" + mimeType + ";base64," + Base64.getEncoder().encodeToString(data));
        }

        public boolean isDataUrl() {
            return url.startsWith("data:");
        }

        /** The MIME type of a data URL, or null for an http URL. */
        public String mimeType() {
            if (!isDataUrl()) return null;
            int semi = url.indexOf(';');
            int comma = url.indexOf(',');
            int end = semi > 0 && semi < comma ? semi : comma;
            return end > 5 ? url.substring(5, end) : "application/octet-stream";
        }

        /** The decoded bytes of a base64 data URL. */
        public byte[] bytes() {
            if (!isDataUrl()) throw new IllegalStateException("not a data URL: " + abbreviate(url));
            int comma = url.indexOf(',');
            return Base64.getDecoder().decode(url.substring(comma + 1));
        }

        /** The base64 payload of a data URL. */
        public String base64() {
            if (!isDataUrl()) throw new IllegalStateException("not a data URL: " + abbreviate(url));
            return url.substring(url.indexOf(',') + 1);
        }

        private static String abbreviate(String s) {
            return s.length() > 40 ? s.substring(0, 40) + "..." : s;
        }
    }
}
