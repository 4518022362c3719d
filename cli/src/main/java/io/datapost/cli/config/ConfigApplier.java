package io.datapost.cli.config;

import java.nio.file.Path;

/** Load, check everything, and only then publish: a directory with any invalid file changes nothing. */
public final class ConfigApplier {

    /** {@code written} is 0 when the config had problems and nothing was sent. */
    public record Result(ConfigSet config, int written) {
    }

    private final ConfigLoader loader;
    private final ConfigPublisher publisher;

    public ConfigApplier(ConfigLoader loader, ConfigPublisher publisher) {
        this.loader = loader;
        this.publisher = publisher;
    }

    public static ConfigApplier forBootstrap(String bootstrapServers) {
        return new ConfigApplier(new ConfigLoader(), ConfigPublisher.forBootstrap(bootstrapServers));
    }

    public Result apply(Path dir) {
        ConfigSet config = loader.load(dir);
        if (!config.valid()) {
            return new Result(config, 0);
        }
        return new Result(config, publisher.publish(config));
    }
}
