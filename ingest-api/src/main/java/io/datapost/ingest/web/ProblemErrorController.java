package io.datapost.ingest.web;

import java.io.IOException;
import java.net.SocketTimeoutException;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

import io.datapost.ingest.server.ProblemJson;

/**
 * The container's error page ({@code /error}, where Tomcat forwards a {@code sendError} or an exception that
 * escaped the servlet) answers problem+json whatever the Accept header says, in place of Spring Boot's
 * BasicErrorController (JSON with a timestamp, or the Whitelabel HTML page). The body is written directly, so no
 * content negotiation can turn it into a 406. A body read that timed out is a 408 (Tomcat adds {@code Connection: close} and closes
 * without reading the rest; an explicit header of ours would make it read the rest first).
 */
@Controller
public class ProblemErrorController implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    public void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer value && value >= 400 ? value : 500;
        for (Throwable t = (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION); t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof BodyDeadlineInputStream.BodyTimedOutException) {
                status = 408;
            }
        }
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        byte[] body = ProblemJson.body(status, uri instanceof String path ? path : null);
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType(ProblemJson.CONTENT_TYPE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
