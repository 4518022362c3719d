package io.datapost.ingest.server;

import org.apache.catalina.Container;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Puts {@link ProblemErrorReportValve} in place of Tomcat's HTML ErrorReportValve on the host, so errors Tomcat
 * answers before Spring MVC sees the request are problem+json too. The context customizer runs after the context
 * was added to the host and before the host starts; the host then finds a valve of the configured class and adds
 * no HTML one.
 */
@Configuration(proxyBeanMethods = false)
public class EdgeServerConfiguration {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
        return factory -> factory.addContextCustomizers(context -> {
            Container parent = context.getParent();
            if (!(parent instanceof StandardHost host)) {
                throw new IllegalStateException("Expected the Tomcat context inside a StandardHost, found " + parent);
            }
            host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            host.getPipeline().addValve(new ProblemErrorReportValve());
        });
    }
}
