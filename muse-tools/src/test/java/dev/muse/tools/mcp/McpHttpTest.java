package dev.muse.tools.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muse.core.ToolCall;
import dev.muse.tools.Tool;
import dev.muse.tools.ToolContext;
import dev.muse.tools.ToolOutcome;
import dev.muse.tools.ToolRegistry;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end over streamable HTTP: the SDK's servlet transport in embedded Tomcat on loopback, behind a filter that
 * demands a bearer token, so the configured headers are proven to travel.
 */
class McpHttpTest {
    private static final String TOKEN = "Bearer t0ken";
    private static Tomcat tomcat;
    private static McpSyncServer server;
    private static String url;
    private static final ToolContext CTX = new ToolContext("agent", 0, null, null);

    @BeforeAll
    static void start() throws Exception {
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(TestMcpServers.MAPPER)
                .mcpEndpoint("/mcp")
                .build();
        server = TestMcpServers.http(transport);

        Path base = Files.createTempDirectory("muse-mcp-tomcat");
        tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        Context ctx = tomcat.addContext("", base.toString());
        Tomcat.addServlet(ctx, "mcp", transport).setAsyncSupported(true);
        ctx.addServletMapping("/mcp", "mcp");
        FilterDef auth = new FilterDef();
        auth.setFilterName("auth");
        auth.setFilter((Filter) (req, resp, chain) -> {
            if (TOKEN.equals(((HttpServletRequest) req).getHeader("Authorization"))) {
                chain.doFilter(req, resp);
            } else {
                ((HttpServletResponse) resp).sendError(401, "missing or wrong token");
            }
        });
        auth.setAsyncSupported("true");
        ctx.addFilterDef(auth);
        FilterMap map = new FilterMap();
        map.setFilterName("auth");
        map.addURLPattern("/*");
        ctx.addFilterMap(map);
        tomcat.start();
        url = "http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/mcp";
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.closeGracefully();
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    private static McpServerConfig config(String name, Map<String, String> headers) {
        return new McpServerConfig(name, null, null, url, headers, Duration.ofSeconds(10));
    }

    @Test
    void should_list_and_call_tools_over_streamable_http_with_configured_headers() {
        try (McpToolSource source = McpToolSource.connect(config("web", Map.of("Authorization", TOKEN)))) {
            assertThat(source.serverInfo()).isEqualTo("muse-test-http 1.0");
            assertThat(source.tools()).extracting(Tool::name).contains("web__add", "web__explode", "web__math_mul");
            ToolRegistry registry = ToolRegistry.of(source.tools());
            ToolOutcome sum = registry.run(new ToolCall("c1", "web__add", "{\"a\": 20, \"b\": 22}"), CTX);
            assertThat(sum.error()).isFalse();
            assertThat(sum.text()).isEqualTo("42");
            ToolOutcome failed = registry.run(new ToolCall("c2", "web__explode", "{}"), CTX);
            assertThat(failed.error()).isTrue();
            assertThat(failed.text()).isEqualTo("tool 'web__explode' failed: the flux capacitor is broken");
        }
    }

    @Test
    void should_report_a_refused_token_clearly() {
        assertThatThrownBy(() -> McpToolSource.connect(config("web", Map.of("Authorization", "Bearer wrong"))))
                .isInstanceOf(McpException.class)
                .hasMessage("MCP server 'web' (" + url + ") refused the connection with HTTP 401 (not authorized);"
                        + " check the 'headers' of this server, e.g. Authorization: Bearer <token>");
    }

    @Test
    void should_report_a_wrong_endpoint_path() {
        String wrong = url.replace("/mcp", "/not-mcp");
        assertThatThrownBy(() -> McpToolSource.connect(new McpServerConfig("web", null, null, wrong,
                Map.of("Authorization", TOKEN), Duration.ofSeconds(5))))
                .isInstanceOf(McpException.class)
                .hasMessageStartingWith("MCP server 'web' (" + wrong + ") refused the connection")
                .hasMessageContaining("404");
    }

    @Test
    void should_report_an_unreachable_url_clearly() throws Exception {
        int freePort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            freePort = s.getLocalPort();
        }
        String dead = "http://127.0.0.1:" + freePort + "/mcp";
        long start = System.nanoTime();
        assertThatThrownBy(() -> McpToolSource.connect(new McpServerConfig("gone", List.of(), null, dead, null,
                Duration.ofSeconds(5))))
                .isInstanceOf(McpException.class)
                .hasMessage("MCP server 'gone' (" + dead + ") cannot be reached (connection refused); check the URL"
                        + " and that the server is running");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
}
