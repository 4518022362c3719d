package io.datapost.cli;

import java.net.URISyntaxException;
import java.nio.file.Path;

import org.apache.logging.log4j.core.config.Configurator;

/**
 * Where the datapost command logs. By default only errors, on stderr; while it runs a local stack, everything
 * from INFO goes to {@code <data dir>/logs/datapost.log} so the terminal shows only the progress lines.
 */
public final class Logging {

    private Logging() {
    }

    public static void toFile(Path logDir) {
        System.setProperty("datapost.log.dir", logDir.toAbsolutePath().toString());
        try {
            Configurator.reconfigure(Logging.class.getResource("/datapost-stack-log4j2.xml").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
