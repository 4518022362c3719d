package io.datapost.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.datapost.cli.Datapost;
import io.datapost.cli.ExitCodes;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadSubmitted;
import picocli.CommandLine;

/** `datapost config test`: the exact request for a lead, and the verdict and values of a saved answer. */
class ConfigTestCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void printsTheExactSoapRequestAndTheVerdictOfASavedRawAnswer() {
        int exit = run("--event-type", "soap-envelope", "--lead", file("lead.yaml"),
                "--response", file("soap-fault.http"));

        assertThat(exit).as(err.toString()).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).startsWith("POST https://ws.soap.example/LeadService.asmx\n")
                .contains("SOAPAction: \"http://example.com/leads/InsertLead\"\n")
                .contains("Content-Type: text/xml; charset=utf-8\n")
                .contains("<LastName>O&apos;Brien &amp; Sons</LastName>")
                .contains("answer: HTTP 500 (text/xml; charset=utf-8)")
                .contains("verdict:  ERROR\n")
                .contains("reason:   Database timeout\n");
    }

    @Test
    void showsThatTheDefaultPriceWasUsedForAYamlAnswerWithoutAmount() {
        int exit = run("--event-type", "result-payout-json", "--lead", file("lead.yaml"),
                "--response", file("result-payout.yaml"));

        assertThat(exit).as(err.toString()).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("email_address=jane.doe%40example.com&phone_home=5550001111")
                .contains("verdict:  ACCEPTED\n").contains("orderId:  9f57aa02\n")
                .contains("amount:   2.0000 USD (the event type's defaultPrice: the answer has none)\n");
    }

    @Test
    void missingSecretMeansNoRequestAndNamesTheVariable() {
        int exit = run("--event-type", "code-msg-xml", "--lead", file("lead.yaml"));

        assertThat(exit).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).contains("no request would be sent: Secret environment variable CODEMSG_KEY is not set");
    }

    @Test
    void aSecretIsMaskedWhereItIsInsertedNotWhereverItsCharactersOccur() throws Exception {
        // Given a bearer token of one letter, "x", which also occurs in the URL and the lead
        Map<String, String> environment = Map.of("BOOLEAN_TOKEN", "x", "CODEMSG_KEY", "k");
        EventType booleanJson = new ConfigLoader(environment::get).load(resource("/advertisers")).eventTypes()
                .stream().filter(e -> e.getId().equals("boolean-json")).findFirst().orElseThrow();
        LeadSubmitted lead = DryRun.lead(booleanJson,
                Map.of("email", "max@example.org", "phone", "5550001111", "zip", "10001"));

        // When the request is described for printing
        String shown = DryRun.describe(DryRun.forDisplay(lead, booleanJson, environment::get));

        // Then the token is masked in its header, and the URL and the body are shown as they are
        assertThat(shown).startsWith("POST https://api.boolean.example/v1/leads\n")
                .contains("Authorization: Bearer ****\n").contains("max@example.org").doesNotContain("Bearer x");
    }

    private int run(String... args) {
        CommandLine command = Datapost.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 4];
        all[0] = "config";
        all[1] = "test";
        all[2] = "--config";
        all[3] = resource("/advertisers").toString();
        System.arraycopy(args, 0, all, 4, args.length);
        return command.execute(all);
    }

    private static String file(String name) {
        return resource("/dry-run/" + name).toString();
    }

    private static Path resource(String name) {
        try {
            return Path.of(ConfigTestCommandTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
