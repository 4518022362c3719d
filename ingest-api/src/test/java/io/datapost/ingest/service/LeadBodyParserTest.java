package io.datapost.ingest.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpStatus;

class LeadBodyParserTest {

    private static final int LIMIT = 1024;
    private final LeadBodyParser parser = new LeadBodyParser();

    private LeadBody parse(String contentType, String body) {
        return parse(contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private LeadBody parse(String contentType, byte[] body) {
        return parser.parse(contentType, body.length, new ByteArrayInputStream(body), LIMIT);
    }

    private static HttpStatus statusOf(Runnable post) {
        return catchThrowableOfType(LeadRejectedException.class, post::run).status();
    }

    @Nested
    class Json {

        @Test
        void flatObjectBecomesStringFieldsInPostedOrder() {
            LeadBody lead = parse("application/json",
                    "{\"email\":\"a@example.org\",\"zip\":30301,\"price\":1.50,\"opt_in\":true,\"sms\":false,\"dob\":null}");

            assertThat(lead.fields()).containsExactly(
                    entry("email", "a@example.org"), entry("zip", "30301"), entry("price", "1.50"),
                    entry("opt_in", "true"), entry("sms", "false"));
            assertThat(lead.problems()).isEmpty();
        }

        @Test
        void nestedObjectsAndArraysAreFieldProblemsNotParseErrors() {
            LeadBody lead = parse("application/json",
                    "{\"email\":\"a@example.org\",\"address\":{\"city\":\"X\"},\"tags\":[1,2]}");

            assertThat(lead.fields()).containsOnlyKeys("email");
            assertThat(lead.problems()).extracting(FieldProblem::field).containsExactly("address", "tags");
        }

        @Test
        void repeatedNameIsAFieldProblem() {
            LeadBody lead = parse("application/json", "{\"email\":\"a@example.org\",\"email\":\"b@example.org\"}");

            assertThat(lead.fields()).isEmpty();
            assertThat(lead.problems()).containsExactly(new FieldProblem("email", "must appear only once"));
        }

        @Test
        void emojiAndRightToLeftTextSurviveExactly() {
            LeadBody lead = parse("application/json", "{\"first_name\":\"נועה 🌟\"}");

            assertThat(lead.fields()).containsEntry("first_name", "נועה 🌟");
        }

        @Test
        void malformedOrNonObjectJsonIsBadRequest() {
            for (String body : new String[] {"{\"email\":\"a@example.org\",", "[]", "\"text\"", "", "{} {}",
                    "{\"a\":1}x", "{'a':1}"}) {
                assertThat(statusOf(() -> parse("application/json", body))).as(body).isEqualTo(HttpStatus.BAD_REQUEST);
            }
        }

        @Test
        void invalidUtf8IsBadRequest() {
            byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

            assertThat(statusOf(() -> parse("application/json", body))).isEqualTo(HttpStatus.BAD_REQUEST);
        }

        @Test
        void parseErrorsDoNotQuoteTheBody() {
            LeadRejectedException e = catchThrowableOfType(LeadRejectedException.class,
                    () -> parse("application/json", "{\"email\":\"secret@example.org\" \"x\"}"));

            assertThat(e.getMessage()).doesNotContain("secret");
            assertThat(e.getCause()).isNull();
        }
    }

    @Nested
    class Form {

        @Test
        void utf8FormIsDecoded() {
            LeadBody lead = parse("application/x-www-form-urlencoded; charset=UTF-8",
                    "email=jos%C3%A9%40example.org&first_name=Jos%C3%A9&last_name=N%C3%BA%C3%B1ez&note=a+b");

            assertThat(lead.fields()).containsExactly(entry("email", "josé@example.org"), entry("first_name", "José"),
                    entry("last_name", "Núñez"), entry("note", "a b"));
        }

        @Test
        void formWithoutCharsetIsUtf8() {
            LeadBody lead = parse("application/x-www-form-urlencoded", "first_name=Jos%C3%A9");

            assertThat(lead.fields()).containsEntry("first_name", "José");
        }

        @Test
        void latin1FormIsDecodedWithTheDeclaredCharset() {
            LeadBody lead = parse("application/x-www-form-urlencoded; charset=ISO-8859-1",
                    "first_name=Jos%E9&last_name=N%FA%F1ez");

            assertThat(lead.fields()).containsExactly(entry("first_name", "José"), entry("last_name", "Núñez"));
        }

        @Test
        void rawLatin1BytesAreDecodedWithTheDeclaredCharsetToo() {
            byte[] body = "first_name=José".getBytes(StandardCharsets.ISO_8859_1);

            assertThat(parse("application/x-www-form-urlencoded; charset=iso-8859-1", body).fields())
                    .containsEntry("first_name", "José");
        }

        @Test
        void emptyPairsAndValuelessNamesAreTolerated() {
            LeadBody lead = parse("application/x-www-form-urlencoded", "&a=1&&b&c=");

            assertThat(lead.fields()).containsExactly(entry("a", "1"), entry("b", ""), entry("c", ""));
        }

        @Test
        void repeatedNameIsAFieldProblem() {
            LeadBody lead = parse("application/x-www-form-urlencoded", "zip=1&zip=2&email=x");

            assertThat(lead.fields()).containsOnlyKeys("email");
            assertThat(lead.problems()).extracting(FieldProblem::field).containsExactly("zip");
        }

        @Test
        void latin1BytesWithoutDeclaredCharsetAreNotValidUtf8() {
            assertThat(statusOf(() -> parse("application/x-www-form-urlencoded", "first_name=Jos%E9")))
                    .isEqualTo(HttpStatus.BAD_REQUEST);
        }

        @Test
        void brokenPercentEscapesAreBadRequest() {
            for (String body : new String[] {"a=%G1", "a=%4", "a=%", "a%=1"}) {
                assertThat(statusOf(() -> parse("application/x-www-form-urlencoded", body))).as(body)
                        .isEqualTo(HttpStatus.BAD_REQUEST);
            }
        }

        @Test
        void charsetsThatAreNotAsciiCompatibleOrUnknownAreUnsupported() {
            for (String type : new String[] {"application/x-www-form-urlencoded; charset=UTF-16",
                    "application/x-www-form-urlencoded; charset=x-no-such-charset"}) {
                assertThat(statusOf(() -> parse(type, "a=1"))).as(type).isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
            }
        }
    }

    @Nested
    @ExtendWith(OutputCaptureExtension.class)
    class Xml {

        @Test
        void flatLeadElementBecomesFields() {
            LeadBody lead = parse("application/xml",
                    "<?xml version=\"1.0\"?>\n<lead>\n  <email>kim@example.org</email>\n  <note><![CDATA[a<b]]></note>"
                            + "<!-- c --><zip/><amp>a &amp; b</amp>\n</lead>");

            assertThat(lead.fields()).containsExactly(entry("email", "kim@example.org"), entry("note", "a<b"),
                    entry("zip", ""), entry("amp", "a & b"));
            assertThat(lead.problems()).isEmpty();
        }

        @Test
        void textXmlIsAcceptedAndTheDeclaredCharsetWins() {
            byte[] body = "<lead><first_name>José</first_name></lead>".getBytes(StandardCharsets.ISO_8859_1);

            assertThat(parse("text/xml; charset=ISO-8859-1", body).fields()).containsEntry("first_name", "José");
        }

        @Test
        void nestedAndRepeatedElementsAreFieldProblems() {
            LeadBody lead = parse("application/xml",
                    "<lead><email>a@example.org</email><address><city>X</city></address><zip>1</zip><zip>2</zip></lead>");

            assertThat(lead.fields()).containsOnlyKeys("email");
            assertThat(lead.problems()).extracting(FieldProblem::field).containsExactly("address", "zip");
        }

        @Test
        void otherRootsStrayTextAndBrokenXmlAreBadRequest() {
            for (String body : new String[] {"<person><email>a</email></person>", "<lead>text<email>a</email></lead>",
                    "<lead><email>a</lead>", "", "<lead>&undeclared;</lead>"}) {
                assertThat(statusOf(() -> parse("application/xml", body))).as(body).isEqualTo(HttpStatus.BAD_REQUEST);
            }
        }

        @Test
        void internalEntityIsRefusedAndItsTextAppearsNowhere(CapturedOutput output) {
            String canary = "XXE-CANARY-4711";
            String body = "<?xml version=\"1.0\"?><!DOCTYPE lead [<!ENTITY xxe \"" + canary + "\">]>"
                    + "<lead><email>&xxe;</email></lead>";

            LeadRejectedException e = catchThrowableOfType(LeadRejectedException.class,
                    () -> parse("application/xml", body));

            assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(e.getMessage()).doesNotContain(canary).doesNotContain("xxe");
            assertThat(e.getCause()).isNull();
            assertThat(output.getAll()).doesNotContain(canary);
        }

        @Test
        void externalEntityIsRefusedAndTheFileIsNeverRead(@TempDir Path dir, CapturedOutput output) throws Exception {
            String canary = "FILE-CANARY-0815";
            Path secret = Files.writeString(dir.resolve("secret.txt"), canary);
            String body = "<?xml version=\"1.0\"?><!DOCTYPE lead [<!ENTITY xxe SYSTEM \"" + secret.toUri() + "\">]>"
                    + "<lead><email>&xxe;</email></lead>";

            LeadRejectedException e = catchThrowableOfType(LeadRejectedException.class,
                    () -> parse("application/xml", body));

            assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(e.getMessage()).doesNotContain(canary);
            assertThat(output.getAll()).doesNotContain(canary);
        }

        @Test
        void billionLaughsIsRefusedAtTheDoctype() {
            String body = "<?xml version=\"1.0\"?><!DOCTYPE lead [<!ENTITY a \"aaaaaaaaaa\">"
                    + "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
                    + "<lead><email>&c;</email></lead>";

            assertThat(statusOf(() -> parse("application/xml", body))).isEqualTo(HttpStatus.BAD_REQUEST);
        }
    }

    @Nested
    class MediaTypeAndSize {

        @Test
        void otherMissingOrGarbledContentTypesAreUnsupported() {
            for (String type : new String[] {"text/csv", "text/plain", "application/json-patch+json", "nonsense", "",
                    null}) {
                assertThat(statusOf(() -> parse(type, "{}"))).as(String.valueOf(type))
                        .isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
            }
        }

        @Test
        void contentTypeParametersAndCaseDoNotMatter() {
            assertThat(parse("Application/JSON; charset=utf-8", "{\"a\":\"1\"}").fields()).containsEntry("a", "1");
        }

        @Test
        void bodyOfExactlyTheLimitIsRead() {
            String body = "{\"note\":\"" + "x".repeat(LIMIT - 11) + "\"}";
            assertThat(body.length()).isEqualTo(LIMIT);

            assertThat(parse("application/json", body).fields().get("note")).hasSize(LIMIT - 11);
        }

        @Test
        void bodyOneByteOverTheLimitIsTooLarge() {
            String body = "{\"note\":\"" + "x".repeat(LIMIT - 10) + "\"}";

            assertThat(statusOf(() -> parse("application/json", body))).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
        }

        @Test
        void endlessBodyOfUnknownLengthIsCutAfterLimitPlusOneBytes() {
            CountingEndlessStream endless = new CountingEndlessStream();

            assertThatThrownBy(() -> parser.parse("application/json", -1, endless, LIMIT))
                    .isInstanceOfSatisfying(LeadRejectedException.class,
                            e -> assertThat(e.status()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE));
            assertThat(endless.read).isEqualTo(LIMIT + 1);
        }

        @Test
        void declaredLengthOverTheLimitIsRefusedWithoutReading() {
            CountingEndlessStream endless = new CountingEndlessStream();

            assertThat(statusOf(() -> parser.parse("application/json", LIMIT + 1, endless, LIMIT)))
                    .isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
            assertThat(endless.read).isZero();
        }

        @Test
        void unsupportedMediaTypeWinsOverSize() {
            assertThat(statusOf(() -> parser.parse("text/csv", LIMIT * 10L, new CountingEndlessStream(), LIMIT)))
                    .isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
        }
    }

    @Nested
    class PerEventTypeLimit {

        @Test
        void theLimitIsThePostsOwnNotAFixedOne() {
            byte[] body = ("{\"note\":\"" + "x".repeat(2000) + "\"}").getBytes(StandardCharsets.UTF_8);

            assertThat(statusOf(() -> parser.parse("application/json", body.length, new ByteArrayInputStream(body),
                    LIMIT))).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
            assertThat(parser.parse("application/json", body.length, new ByteArrayInputStream(body), 4 * LIMIT)
                    .fields().get("note")).hasSize(2000);
        }
    }

    @Nested
    class Query {

        @Test
        void queryFieldsArePercentDecodedAsUtf8WithoutTheReservedParameters() {
            LeadBody lead = parser.parseQuery(
                    "email=jos%C3%A9%40example.org&first_name=Jos%C3%A9&note=a+b&wait=PT5S", LIMIT, "wait");

            assertThat(lead.fields()).containsExactly(entry("email", "josé@example.org"), entry("first_name", "José"),
                    entry("note", "a b"));
            assertThat(lead.problems()).isEmpty();
        }

        @Test
        void repeatedReservedParameterIsNoFieldProblemButNoValueEither() {
            assertThat(parser.parseQuery("zip=1&wait=PT1S&wait=PT2S", LIMIT, "wait").problems()).isEmpty();
            assertThat(statusOf(() -> parser.queryParameter("zip=1&wait=PT1S&wait=PT2S", "wait")))
                    .isEqualTo(HttpStatus.BAD_REQUEST);
        }

        @Test
        void queryLongerThanTheLimitIsUriTooLong() {
            String query = "note=" + "x".repeat(LIMIT);

            assertThat(statusOf(() -> parser.parseQuery(query, LIMIT))).isEqualTo(HttpStatus.URI_TOO_LONG);
        }

        @Test
        void brokenEscapeInTheQueryIsBadRequest() {
            assertThat(statusOf(() -> parser.parseQuery("a=%G1", LIMIT))).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(statusOf(() -> parser.queryParameter("wait=%", "wait"))).isEqualTo(HttpStatus.BAD_REQUEST);
        }

        @Test
        void otherParametersOfAPostsQueryNeedNotDecode() {
            assertThat(parser.queryParameter("source=caf%E9&wait=PT2S&x=%G", "wait")).isEqualTo("PT2S");
            assertThat(parser.queryParameter("source=caf%E9", "wait")).isNull();
        }

        @Test
        void queryParameterIsReadFromTheRawQueryOnly() {
            assertThat(parser.queryParameter("wait=PT10S&x=1", "wait")).isEqualTo("PT10S");
            assertThat(parser.queryParameter("x=1", "wait")).isNull();
            assertThat(parser.queryParameter(null, "wait")).isNull();
            assertThat(parser.parseQuery(null, LIMIT).fields()).isEmpty();
        }
    }

    /** An endless body of spaces that counts what was taken from it. */
    private static final class CountingEndlessStream extends InputStream {
        long read;

        @Override
        public int read() {
            read++;
            return ' ';
        }

        @Override
        public int read(byte[] b, int off, int len) {
            java.util.Arrays.fill(b, off, off + len, (byte) ' ');
            read += len;
            return len;
        }
    }

    private static java.util.Map.Entry<String, String> entry(String key, String value) {
        return java.util.Map.entry(key, value);
    }
}
