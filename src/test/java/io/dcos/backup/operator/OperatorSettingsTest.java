package io.dcos.backup.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dcos.backup.marathon.FenceOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The operator's environment: fence waits, and how a bad value stops the start. */
class OperatorSettingsTest {

  private static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("MARATHON_ZK", "zk://zk-1:2181,zk-2:2181/marathon");
    env.put("MARATHON_URL", "http://marathon.mesos:8080");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  @Test
  void fenceWaitsDefaultToTheEngineDefaults() {
    FenceOptions fence = OperatorSettings.fromEnvironment(env()).target().fence();
    assertThat(fence).isEqualTo(FenceOptions.defaults());
    assertThat(fence.abdicationTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(fence.acquireTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(fence.recoveryTimeout()).isEqualTo(Duration.ofMinutes(3));
  }

  @Test
  void blankFenceVariablesMeanTheDefault() {
    FenceOptions fence = OperatorSettings.fromEnvironment(env("FENCE_ABDICATION_TIMEOUT_SECONDS", "",
        "FENCE_ACQUIRE_TIMEOUT_SECONDS", "  ")).target().fence();
    assertThat(fence).isEqualTo(FenceOptions.defaults());
  }

  @Test
  void fenceWaitsComeFromTheEnvironment() {
    FenceOptions fence = OperatorSettings.fromEnvironment(env(
        "FENCE_ABDICATION_TIMEOUT_SECONDS", "45",
        "FENCE_ACQUIRE_TIMEOUT_SECONDS", " 300 ",
        "FENCE_RECOVERY_TIMEOUT_SECONDS", "600")).target().fence();
    assertThat(fence.abdicationTimeout()).isEqualTo(Duration.ofSeconds(45));
    assertThat(fence.acquireTimeout()).isEqualTo(Duration.ofSeconds(300));
    assertThat(fence.recoveryTimeout()).isEqualTo(Duration.ofSeconds(600));
    assertThat(fence.pollInterval()).isEqualTo(FenceOptions.defaults().pollInterval());
  }

  @Test
  void eachFenceVariableIsReadOnItsOwn() {
    FenceOptions fence = OperatorSettings.fromEnvironment(env("FENCE_RECOVERY_TIMEOUT_SECONDS", "900")).target()
        .fence();
    assertThat(fence.recoveryTimeout()).isEqualTo(Duration.ofSeconds(900));
    assertThat(fence.abdicationTimeout()).isEqualTo(FenceOptions.defaults().abdicationTimeout());
    assertThat(fence.acquireTimeout()).isEqualTo(FenceOptions.defaults().acquireTimeout());
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "0", "-5", "1.5", "30s", "86401", "99999999999999999999"})
  void anInvalidFenceWaitIsAClearStartupError(String value) {
    for (String name : new String[] {"FENCE_ABDICATION_TIMEOUT_SECONDS", "FENCE_ACQUIRE_TIMEOUT_SECONDS",
        "FENCE_RECOVERY_TIMEOUT_SECONDS"}) {
      assertThatThrownBy(() -> OperatorSettings.fromEnvironment(env(name, value)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("environment variable " + name + " must be a whole number of seconds from 1 to 86400, not \""
              + value + "\" (unset: " + switch (name) {
                case "FENCE_ABDICATION_TIMEOUT_SECONDS" -> "30";
                case "FENCE_ACQUIRE_TIMEOUT_SECONDS" -> "120";
                default -> "180";
              } + ")");
    }
  }

  /** What `kubectl logs` shows for a misconfigured Deployment: one line naming the variable, exit code 2. */
  @Test
  void theOperatorRefusesToStartWithOneLine() throws Exception {
    String javaBinary = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(javaBinary, "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), "io.dcos.backup.cli.Main", "operator");
    builder.environment().putAll(env("FENCE_ACQUIRE_TIMEOUT_SECONDS", "2m"));
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(out + err).isEqualTo(2);
    assertThat(err.lines().toList()).as(err).singleElement().asString()
        .isEqualTo("operator: invalid configuration: environment variable FENCE_ACQUIRE_TIMEOUT_SECONDS must be a "
            + "whole number of seconds from 1 to 86400, not \"2m\" (unset: 120)");
  }
}
