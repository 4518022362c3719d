package io.datapost.cli.config;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.datapost.cli.ExitCodes;
import io.datapost.forwarder.http.AdvertiserRequestRenderer;
import io.datapost.forwarder.http.RequestRenderException;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadSubmitted;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code datapost config test}: the dry run of one event type (see {@link DryRun}). */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = {"Dry run of one event type: print the exact request the forwarder would send for a lead and, "
                + "given a saved answer, the verdict and the values the validator would extract. Calls nobody; "
                + "secrets come from this environment and are masked.",
                "A saved answer is either the raw HTTP message (status line, headers, a blank line, the body) or YAML "
                        + "with status, content_type, headers and body."})
final class ConfigTestCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--event-type", required = true, paramLabel = "ID", description = "The event type's id.")
    String eventTypeId;

    @Option(names = "--lead", required = true, paramLabel = "FILE",
            description = "The lead's fields: a YAML or JSON mapping of name to value.")
    Path lead;

    @Option(names = "--response", paramLabel = "FILE", description = "A saved advertiser answer.")
    Path response;

    @Option(names = "--config", defaultValue = "config", paramLabel = "DIR",
            description = "Config directory (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // a missing secret is reported by the rendering itself, with its name, if this request needs it
        ConfigSet config = ConfigCommand.loader(true).load(dir);
        if (!ConfigCommand.report(config, new PrintWriter(Writer.nullWriter()), err)) {
            return ExitCodes.INVALID_INPUT;
        }
        EventType eventType = config.eventTypes().stream().filter(type -> type.getId().equals(eventTypeId))
                .findFirst().orElse(null);
        if (eventType == null) {
            err.printf("no event type \"%s\" in %s (known: %s)%n", eventTypeId,
                    dir.resolve(ConfigLoader.EVENT_TYPES_DIR),
                    config.eventTypes().stream().map(EventType::getId).sorted().toList());
            return ExitCodes.INVALID_INPUT;
        }
        AdvertiserRequestRenderer.Rendering shown;
        try {
            LeadSubmitted submitted = DryRun.lead(eventType, DryRun.readLead(lead));
            // with the real secrets: every check of the request as it would be sent
            new AdvertiserRequestRenderer().renderTracked(submitted, eventType, DryRun.REQUEST_ID);
            shown = DryRun.forDisplay(submitted, eventType, System::getenv);
        } catch (RequestRenderException | IllegalArgumentException e) {
            err.println("no request would be sent: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        out.print(DryRun.describe(shown));
        if (response != null) {
            DryRun.SavedResponse saved;
            try {
                saved = DryRun.readResponse(response);
            } catch (IllegalArgumentException e) {
                err.println(e.getMessage());
                return ExitCodes.INVALID_INPUT;
            }
            AdvertiserResponse answer = DryRun.response(eventType, saved);
            out.println();
            out.print(DryRun.describe(eventType, answer, DryRun.classify(eventType, answer)));
        }
        out.flush();
        return ExitCodes.OK;
    }
}
