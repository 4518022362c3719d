package io.datapost.ingest.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/openapi.yaml}: the API description kept in the repo ({@code src/main/resources/openapi/
 * ingest-api.yaml}), served as it is. OpenApiDocumentTest checks it against the handlers and the statuses
 * they really answer.
 */
@RestController
public class OpenApiController {

    static final String DOCUMENT = "openapi/ingest-api.yaml";
    static final MediaType APPLICATION_YAML = MediaType.parseMediaType("application/yaml");

    private final byte[] document;

    public OpenApiController() {
        try (InputStream in = new ClassPathResource(DOCUMENT).getInputStream()) {
            document = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("The OpenAPI document " + DOCUMENT + " is missing", e);
        }
    }

    @GetMapping("/v1/openapi.yaml")
    public ResponseEntity<byte[]> openApi() {
        return ResponseEntity.ok().contentType(APPLICATION_YAML).body(document);
    }
}
