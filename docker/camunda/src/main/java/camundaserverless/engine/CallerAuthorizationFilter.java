package camundaserverless.engine;

import java.io.IOException;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * REST_AUTH=google, on /engine-rest/*: lets a request through only with a Google ID token in
 * {@code Authorization: Bearer} whose verified email REST_CALLERS allows the method and path. Cloud Run
 * checks the copy in X-Serverless-Authorization for IAM and passes this one through with its signature,
 * so the engine verifies it itself. Refusals answer 401 (no good token) or 403 (not allowed) with one
 * line in Camunda's error shape, and log one line; neither ever holds the token.
 */
final class CallerAuthorizationFilter extends HttpFilter {

  private static final Logger LOG = LoggerFactory.getLogger(CallerAuthorizationFilter.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BEARER = "bearer ";

  private final transient GoogleIdTokens tokens;
  private final transient RestCallers callers;

  CallerAuthorizationFilter(GoogleIdTokens tokens, RestCallers callers) {
    this.tokens = tokens;
    this.callers = callers;
  }

  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    String method = request.getMethod();
    // The container's decoded and normalised path: what the REST API's servlet is matched on.
    String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
    String email;
    try {
      email = tokens.verifiedEmail(bearerToken(request), request.getHeader("Host"));
    } catch (GoogleIdTokens.Refusal refusal) {
      refuse(request, response, refusal.status, refusal.getMessage());
      return;
    }
    if (!callers.allows(email, method, path)) {
      refuse(request, response, HttpServletResponse.SC_FORBIDDEN, email + " may not " + method + " " + path
          + (callers.knows(email) ? "" : ": it is not in REST_CALLERS") + ": add the permission to REST_CALLERS");
      return;
    }
    chain.doFilter(request, response);
  }

  private static String bearerToken(HttpServletRequest request) throws GoogleIdTokens.Refusal {
    String header = request.getHeader("Authorization");
    if (header == null || header.isBlank()) {
      throw new GoogleIdTokens.Refusal(HttpServletResponse.SC_UNAUTHORIZED,
          "no token: send a Google ID token as Authorization: Bearer <token>");
    }
    if (!header.toLowerCase(Locale.ROOT).startsWith(BEARER) || header.substring(BEARER.length()).isBlank()) {
      throw new GoogleIdTokens.Refusal(HttpServletResponse.SC_UNAUTHORIZED,
          "Authorization is not a bearer token: send a Google ID token as Authorization: Bearer <token>");
    }
    return header.substring(BEARER.length()).trim();
  }

  private static void refuse(HttpServletRequest request, HttpServletResponse response, int status, String reason)
      throws IOException {
    String path = request.getRequestURI();
    LOG.warn("refused {} {} {} from {}: {}", status, request.getMethod(), path, request.getRemoteAddr(), reason);
    response.setStatus(status);
    if (status == HttpServletResponse.SC_UNAUTHORIZED) response.setHeader("WWW-Authenticate", "Bearer");
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    String type = switch (status) {
      case HttpServletResponse.SC_UNAUTHORIZED -> "AuthenticationException";
      case HttpServletResponse.SC_FORBIDDEN -> "AuthorizationException";
      default -> "ServiceUnavailable";
    };
    var body = new java.util.LinkedHashMap<String, String>();
    body.put("type", type);
    body.put("message", reason);
    response.getWriter().write(JSON.writeValueAsString(body));
  }
}
