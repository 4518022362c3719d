package io.datapost.ingest.server;

import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.apache.tomcat.util.res.StringManager;

/**
 * Replaces Tomcat's HTML error pages with {@code application/problem+json} for every error Tomcat answers
 * itself, before or outside Spring MVC: a malformed request line, bad path encoding ({@code %zz}, {@code %00},
 * {@code ..}), illegal characters or headers, a header section over {@code server.max-http-request-header-size},
 * unsupported transfer codings or HTTP versions, and any error the application's error page did not render.
 *
 * <p>Tomcat reports a header section that does not fit its buffer as a plain 400 (Http11InputBuffer throws an
 * IllegalArgumentException with the message {@code iib.requestheadertoolarge.error}; there is no 431 anywhere in
 * Tomcat 11). This valve recognises that exception by its exact message and answers 431, or 414 when the buffer ran
 * out while still in the request line (the URI was never parsed).
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    private static final String HEADER_TOO_LARGE = StringManager.getManager("org.apache.coyote.http11")
            .getString("iib.requestheadertoolarge.error");

    /**
     * After a 408 (the body stopped, or dripped past the body deadline) Tomcat would still read the rest of the body
     * before closing when the client asked for {@code Connection: close} itself, holding the thread as long as the
     * client keeps dripping; this closes the connection right after the answer instead.
     */
    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        super.invoke(request, response);
        if (response.getStatus() == 408) {
            request.getCoyoteRequest().action(ActionCode.DISABLE_SWALLOW_INPUT, null);
        }
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        Throwable cause = throwable != null ? throwable
                : (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        status = statusFor(status, cause, request);
        try {
            response.resetBuffer();
            response.setStatus(status);
            response.setContentType(ProblemJson.CONTENT_TYPE);
            if (status == 431) {
                // Tomcat closes after a header it could not parse (its error state is set) but names only the
                // statuses it knows; not for the others: an explicit header would make Tomcat read an unread body
                // to its end before closing instead of closing at once
                response.setHeader("Connection", "close");
            }
            byte[] body = ProblemJson.body(status, null);
            response.setContentLength(body.length);
            OutputStream out = response.getOutputStream();
            out.write(body);
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response was committed meanwhile: nothing more to say
        }
    }

    static int statusFor(int status, Throwable cause, Request request) {
        if (status == 400 && cause instanceof IllegalArgumentException && HEADER_TOO_LARGE.equals(cause.getMessage())) {
            return request.getCoyoteRequest().requestURI().isNull() ? 414 : 431;
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return 408;
            }
        }
        return status;
    }
}
