package dev.muse.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvedBackendTest {
    @TempDir
    Path dir;

    private MuseConfig yaml(String text) throws Exception {
        Path f = dir.resolve("muse.yaml");
        Files.writeString(f, text);
        return MuseConfig.load(f);
    }

    @Test
    void should_prefer_flags_over_environment_over_the_config_file() throws Exception {
        MuseConfig config = yaml("""
                default_backend: box
                backends:
                  box: {type: openai, base_url: "http://yaml:1/v1", model: from-yaml, api_key: yaml-key}
                """);
        BackendOptions flags = new BackendOptions();
        Map<String, String> env = Map.of("MUSE_MODEL", "from-env", "MUSE_BASE_URL", "http://env:2/v1");

        ResolvedBackend fromEnv = ResolvedBackend.resolve(flags, config, env::get);
        assertThat(fromEnv.model()).isEqualTo("from-env");
        assertThat(fromEnv.baseUrl()).isEqualTo("http://env:2/v1");
        assertThat(fromEnv.apiKey()).isEqualTo("yaml-key");
        assertThat(fromEnv.name()).isEqualTo("box");

        flags.model = "from-flag";
        assertThat(ResolvedBackend.resolve(flags, config, env::get).model()).isEqualTo("from-flag");
        assertThat(ResolvedBackend.resolve(new BackendOptions(), config, k -> null).model()).isEqualTo("from-yaml");
    }

    @Test
    void should_read_an_api_key_from_the_named_environment_variable() throws Exception {
        MuseConfig config = yaml("""
                backends:
                  claude: {type: anthropic, api_key_env: MY_KEY, model: claude-x}
                """);
        BackendOptions flags = new BackendOptions();
        flags.backend = "claude";
        ResolvedBackend b = ResolvedBackend.resolve(flags, config, Map.of("MY_KEY", "sk-ant")::get);
        assertThat(b.type()).isEqualTo("anthropic");
        assertThat(b.apiKey()).isEqualTo("sk-ant");
        assertThat(b.baseUrl()).isEqualTo("https://api.anthropic.com");
    }

    @Test
    void should_name_the_known_backends_when_one_is_unknown() throws Exception {
        MuseConfig config = yaml("""
                backends:
                  a: {base_url: "http://a/v1", model: m}
                  b: {base_url: "http://b/v1", model: m}
                """);
        BackendOptions flags = new BackendOptions();
        flags.backend = "c";
        assertThatThrownBy(() -> ResolvedBackend.resolve(flags, config, k -> null))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("unknown backend 'c'")
                .hasMessageContaining("a, b");
    }

    @Test
    void should_reject_an_unknown_setting_in_muse_yaml_by_name() {
        assertThatThrownBy(() -> yaml("backendz: {}\n"))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("unknown setting 'backendz'");
    }

    @Test
    void should_choose_the_embedded_engine_for_a_model_file() throws Exception {
        Path gguf = Files.writeString(dir.resolve("tiny.gguf"), "x");
        BackendOptions flags = new BackendOptions();
        flags.model = gguf.toString();
        assertThat(ResolvedBackend.resolve(flags, MuseConfig.EMPTY, k -> null).type()).isEqualTo("local");
    }

    @Test
    void should_explain_how_to_configure_a_backend_when_none_is() {
        assertThatThrownBy(() -> ResolvedBackend.resolve(new BackendOptions(), MuseConfig.EMPTY, k -> null))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("--base-url")
                .hasMessageContaining("muse.yaml");
    }
}
