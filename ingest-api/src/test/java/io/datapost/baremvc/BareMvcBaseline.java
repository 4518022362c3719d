package io.datapost.baremvc;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpServletRequest;

import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

import io.datapost.ingest.bench.BenchConfiguration;

/**
 * The reference point, for comparison with {@code IngestBench}'s figures: a bare Spring MVC app (embedded
 * Tomcat, a DispatcherServlet, one controller; no Spring Boot, no filters, no observation, no actuator) with
 * {@code POST /noop} (reads the body, answers 202 with a small JSON body) and {@code POST /kafka} (also sends the
 * body to Kafka with acks=all and an idempotent producer, answers after the acknowledgement). Started by
 * {@code io.datapost.ingest.bench.IngestBench} in its own JVM (unless {@code --bare-mvc false}); run by hand:
 * {@code java -cp <test classpath> io.datapost.baremvc.BareMvcBaseline <port> <bootstrap servers>}. It lives
 * outside {@code io.datapost.ingest} so that the ingest-api app's component scan in tests does not pick up its
 * configuration and controller.
 */
public final class BareMvcBaseline {

    private BareMvcBaseline() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        System.setProperty("bare.bootstrap", args[1]);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]))) {
            admin.createTopics(List.of(BenchConfiguration.TOPIC.newTopic((short) 1))).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        Tomcat tomcat = new Tomcat();
        tomcat.setPort(port);
        tomcat.setBaseDir(Files.createTempDirectory("bare-mvc").toString());
        tomcat.getConnector().setProperty("maxThreads", "200");
        Context context = tomcat.addContext("", new File(".").getAbsolutePath());
        AnnotationConfigWebApplicationContext spring = new AnnotationConfigWebApplicationContext();
        spring.register(Web.class);
        Tomcat.addServlet(context, "dispatcher", new DispatcherServlet(spring)).setLoadOnStartup(1);
        context.addServletMappingDecoded("/", "dispatcher");
        tomcat.start();
        System.out.println("bare Spring MVC listening on " + port);
        tomcat.getServer().await();
    }

    @Configuration
    @EnableWebMvc
    static class Web {

        @Bean
        KafkaProducer<byte[], byte[]> producer() {
            return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    System.getProperty("bare.bootstrap"), ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), // otherwise the client's defaults (linger.ms 5)
                    new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Bean
        Endpoints endpoints(KafkaProducer<byte[], byte[]> producer) {
            return new Endpoints(producer);
        }
    }

    @RestController
    static class Endpoints {

        private final KafkaProducer<byte[], byte[]> producer;

        Endpoints(KafkaProducer<byte[], byte[]> producer) {
            this.producer = producer;
        }

        @PostMapping("/noop")
        ResponseEntity<Map<String, String>> noop(HttpServletRequest request) throws Exception {
            request.getInputStream().readAllBytes();
            return accepted(UUID.randomUUID().toString());
        }

        @PostMapping("/kafka")
        ResponseEntity<Map<String, String>> kafka(HttpServletRequest request) throws Exception {
            byte[] body = request.getInputStream().readAllBytes();
            String id = UUID.randomUUID().toString();
            producer.send(new ProducerRecord<>(BenchConfiguration.TOPIC.name(), id.getBytes(StandardCharsets.UTF_8),
                    body)).get(10, TimeUnit.SECONDS);
            return accepted(id);
        }

        private static ResponseEntity<Map<String, String>> accepted(String id) {
            return ResponseEntity.accepted().contentType(MediaType.APPLICATION_JSON)
                    .body(Map.of("submissionId", id, "statusUrl", "http://localhost:8083/v1/leads/" + id));
        }
    }
}
