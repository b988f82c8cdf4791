package io.optimesh.merge.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CheckpointUrisTest {

    @Test
    void readsFileUrisAndPlainPaths() {
        assertThat(CheckpointUris.toPath("file:///data/ckpt/step-300.safetensors"))
                .isEqualTo(Path.of("/data/ckpt/step-300.safetensors"));
        assertThat(CheckpointUris.toPath("file:/data/a%20b.safetensors")).isEqualTo(Path.of("/data/a b.safetensors"));
        assertThat(CheckpointUris.toPath("/data/../data/x.safetensors")).isEqualTo(Path.of("/data/x.safetensors"));
        assertThat(CheckpointUris.toPath("/data/with space.safetensors")).isEqualTo(Path.of("/data/with space.safetensors"));
        assertThat(CheckpointUris.toPath("rel/x.safetensors")).isEqualTo(Path.of("rel/x.safetensors").toAbsolutePath());
    }

    @Test
    void refusesOtherSchemesAndNonLocalFileUris() {
        assertThatThrownBy(() -> CheckpointUris.toPath("http://host/x.safetensors"))
                .hasMessage("'http://host/x.safetensors' has scheme 'http', but only file:// URIs and plain paths are supported");
        assertThatThrownBy(() -> CheckpointUris.toPath("s3://bucket/x")).hasMessageContaining("scheme 's3'");
        assertThatThrownBy(() -> CheckpointUris.toPath("file://host/x.safetensors"))
                .hasMessageStartingWith("'file://host/x.safetensors' is not a local file URI (")
                .hasMessageEndingWith("); use file:///absolute/path or a plain path");
        assertThatThrownBy(() -> CheckpointUris.toPath("file:relative.safetensors")).hasMessageContaining("not a local file URI");
        assertThatThrownBy(() -> CheckpointUris.toPath(" ")).hasMessage("is empty; give a file:// URI or a path");
        assertThatThrownBy(() -> CheckpointUris.toPath("a\0b")).hasMessageContaining("is not a valid path");
    }

    @Test
    void writesAbsoluteFileUris() {
        assertThat(CheckpointUris.toUri(Path.of("/data/x y.safetensors"))).isEqualTo("file:///data/x%20y.safetensors");
        assertThat(CheckpointUris.toUri(Path.of("/data/./x.safetensors"))).isEqualTo("file:///data/x.safetensors");
    }
}
