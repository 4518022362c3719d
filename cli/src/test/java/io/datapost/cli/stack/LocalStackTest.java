package io.datapost.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStackTest {

    private final Path dataDir = Path.of("/tmp/some-stack").toAbsolutePath();
    private final LocalStack stack = new LocalStack(StackOptions.builder(
            new DatapostHome(Path.of("/repo"), Path.of("/repo/cli/target/lib")), dataDir)
            .servicePort(Service.CONVERSION_SINK, 9183).build(), line -> { });

    @Test
    void givesTheValidatorAStateDirInsideTheDataDirNotTheSharedTempDir() {
        assertThat(stack.serviceArguments(Service.VALIDATOR_STREAMS))
                .containsExactly("--datapost.validator.state-dir=" + dataDir.resolve("state/validator-streams"));
    }

    @Test
    void pointsIngestStatusLinksAtThisStacksConversionSink() {
        assertThat(stack.serviceArguments(Service.INGEST_API))
                .containsExactly("--datapost.ingest.status-base-url=http://127.0.0.1:9183");
        assertThat(stack.serviceArguments(Service.FORWARDER_WORKER)).isEmpty();
    }

    @Test
    void refusesToStartWhenTheServicesAreNotBuiltBeforeStartingAnythingElse(@TempDir Path data) {
        // Given a home without service jars
        StackOptions options = StackOptions.builder(new DatapostHome(Path.of("/nonexistent-repo"),
                Path.of("/nonexistent-repo/cli/target/lib")), data).build();
        List<String> progress = new ArrayList<>();

        // When the stack starts, Then it fails before it spends time on a broker
        assertThatThrownBy(() -> new LocalStack(options, progress::add).start())
                .isInstanceOf(StackException.class).hasMessageContaining("the services are not built")
                .hasMessageContaining("ingest-api-exec.jar");
        assertThat(progress).isEmpty();
    }
}
