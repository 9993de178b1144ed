package dev.muse.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the packaged {@code muse.jar} as a user would, with a clean environment and a temporary MUSE_HOME. */
final class MuseProcess {
    record Result(int exitCode, String stdout, String stderr) {}

    static Result run(Path workDir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return runWithInput(workDir, env, null, args);
    }

    static Result runWithInput(Path workDir, Map<String, String> env, String stdin, String... args) throws IOException, InterruptedException {
        return runWithJvmOptions(workDir, env, stdin, List.of(), args);
    }

    /** {@link #runWithInput} with extra options for the JVM, as a user passes them in MUSE_JAVA_OPTS to the launcher. */
    static Result runWithJvmOptions(Path workDir, Map<String, String> env, String stdin, List<String> jvmOptions, String... args)
            throws IOException, InterruptedException {
        String jar = System.getProperty("muse.jar");
        String java = System.getProperty("muse.java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("muse.jar not built: run `./mvnw verify` (integration tests run after packaging)");
        }
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("MUSE_") || k.endsWith("_API_KEY"));
        pb.environment().put("MUSE_HOME", workDir.resolve(".muse").toString());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("muse " + String.join(" ", args) + " did not finish within 120 s");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private MuseProcess() {}
}
