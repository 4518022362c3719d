package io.datapost.ingest.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpServletRequest;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.context.annotation.Profile;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import io.datapost.ingest.config.IngestProperties;
import io.datapost.ingest.service.SubmissionIds;
import io.datapost.ingest.web.SynchronousAnswers.SubmissionAccepted;

/**
 * Baselines for the ingest benchmark, present only with the {@code bench} profile: the same app, Tomcat and
 * JSON answer, without the ingest path. {@code POST /bench/noop} reads the body and answers 202;
 * {@code POST /bench/kafka} also writes the body's bytes to {@link BenchConfiguration#TOPIC} with the lead
 * producer's settings (acks=all, idempotent, same deadline) and answers 202 once the broker acknowledged it.
 * The difference between these and {@code POST /v1/leads/...} is what authentication, parsing, validation and
 * Avro encoding cost.
 */
@RestController
@Profile("bench")
public class BenchController {

    private static final String STATUS_URL = "http://localhost:8083/v1/leads/";

    private final KafkaProducer<byte[], byte[]> producer;
    private final Duration deadline;

    public BenchController(KafkaProducer<byte[], byte[]> benchProducer, IngestProperties properties) {
        this.producer = benchProducer;
        this.deadline = properties.kafkaDeadline();
    }

    @PostMapping("/bench/noop")
    public ResponseEntity<SubmissionAccepted> noop(HttpServletRequest request) throws IOException {
        request.getInputStream().readAllBytes();
        return accepted(SubmissionIds.of("bench", null));
    }

    @PostMapping("/bench/kafka")
    public ResponseEntity<SubmissionAccepted> kafka(HttpServletRequest request) throws Exception {
        byte[] body = request.getInputStream().readAllBytes();
        String id = SubmissionIds.of("bench", null);
        producer.send(new ProducerRecord<>(BenchConfiguration.TOPIC.name(), id.getBytes(StandardCharsets.UTF_8), body))
                .get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        return accepted(id);
    }

    private static ResponseEntity<SubmissionAccepted> accepted(String id) {
        return ResponseEntity.accepted().contentType(MediaType.APPLICATION_JSON)
                .body(new SubmissionAccepted(id, STATUS_URL + id));
    }
}
