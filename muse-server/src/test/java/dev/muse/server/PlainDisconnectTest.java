package dev.muse.server;

import static dev.muse.server.Harness.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.muse.testkit.Reply;
import dev.muse.testkit.Responder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Non-streaming completions over a raw socket: a client that hangs up mid-run cancels the run and its backend
 * call although nothing was written to it yet, and keep-alive connections still serve request after request.
 */
class PlainDisconnectTest {

    @Test
    void should_cancel_a_plain_run_and_its_backend_call_when_the_client_disconnects() throws Exception {
        // 1000 tokens at 20 ms each: the backend would talk for 20 s if nobody stopped it
        String longAnswer = "word ".repeat(1000);
        try (Harness h = Harness.start(Responder.always(Reply.text(longAnswer).withTokenDelay(Duration.ofMillis(20))))) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), h.server.port())) {
                s.getOutputStream().write(request(chat("muse-instant", "talk a lot", null)));
                s.getOutputStream().flush();
                long until = System.currentTimeMillis() + 5000;
                while (h.backend.requests().isEmpty() && System.currentTimeMillis() < until) Thread.sleep(10);
                assertThat(h.backend.requests()).as("the run reached the backend").hasSize(1);
                Thread.sleep(200); // let the backend stream a little
            } // the client hangs up without having seen a byte
            assertThat(h.backend.awaitClientDisconnects(1, Duration.ofSeconds(5)))
                    .as("the backend call is aborted within seconds, long before its 20 s answer ends").isTrue();
            assertThat(awaitRunStatus(h)).isEqualTo("cancelled");
            // and the server keeps serving
            assertThat(h.get("/v1/models").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void should_serve_several_plain_completions_on_one_keep_alive_connection() throws Exception {
        try (Harness h = Harness.start(Responder.always(Reply.text("Hello again").withTokenDelay(Duration.ofMillis(5))));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), h.server.port())) {
            s.setSoTimeout(15_000);
            for (int i = 0; i < 3; i++) {
                s.getOutputStream().write(request(chat("muse-instant", "hi " + i, null)));
                s.getOutputStream().flush();
                Response r = Response.read(s.getInputStream());
                assertThat(r.status).as(r.body).isEqualTo(200);
                assertThat(r.body).contains("Hello again");
                assertThat(r.head).doesNotContain("connection: close");
            }
            // an error still gets its real status on the same connection (nothing was committed early)
            s.getOutputStream().write(request(chat("no-such-model", "hi", null)));
            s.getOutputStream().flush();
            Response bad = Response.read(s.getInputStream());
            assertThat(bad.status).as(bad.body).isEqualTo(404);
            assertThat(bad.body).contains("no-such-model");
        }
    }

    private static byte[] request(String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    /** Polls the database the server writes to until the one run there has ended. */
    private static String awaitRunStatus(Harness h) throws Exception {
        long until = System.currentTimeMillis() + 10_000;
        String status = "none";
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + h.dataDir.resolve("muse") + ";AUTO_SERVER=TRUE");
                PreparedStatement ps = c.prepareStatement("SELECT status FROM runs")) {
            while (System.currentTimeMillis() < until) {
                try (ResultSet rs = ps.executeQuery()) {
                    status = rs.next() ? rs.getString(1) : "none";
                }
                if (!status.equals("running") && !status.equals("none")) return status;
                Thread.sleep(50);
            }
        }
        return status;
    }

    /** A minimal HTTP/1.1 response reader: status, lower-cased head, body by Content-Length or chunked. */
    private record Response(int status, String head, String body) {
        static Response read(InputStream in) throws IOException {
            String head = readHead(in);
            int status = Integer.parseInt(head.substring(9, 12));
            String lower = head.toLowerCase(Locale.ROOT);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (lower.contains("transfer-encoding: chunked")) {
                while (true) {
                    int size = Integer.parseInt(line(in).strip(), 16);
                    if (size == 0) {
                        line(in);
                        break;
                    }
                    body.write(in.readNBytes(size));
                    line(in);
                }
            } else {
                int at = lower.indexOf("content-length:");
                int len = Integer.parseInt(lower.substring(at + 15, lower.indexOf('\r', at)).strip());
                body.write(in.readNBytes(len));
            }
            return new Response(status, lower, body.toString(StandardCharsets.UTF_8));
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            while (!sb.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) throw new IOException("the server closed the connection; got: " + sb);
                sb.append((char) b);
            }
            return sb.toString();
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') sb.append((char) b);
            return sb.toString();
        }
    }
}
