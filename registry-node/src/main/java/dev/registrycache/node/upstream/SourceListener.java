package dev.registrycache.node.upstream;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.io.Content;

/**
 * Hands out an upstream response as soon as its headers arrive, and its body as Jetty's own
 * {@link Content.Source}: the reader pulls chunks in the network's (direct) buffers, so a
 * blob is written to disk without being copied through the heap.
 */
final class SourceListener implements Response.Listener {
    private static final Content.Source EMPTY = Content.Source.from(ByteBuffer.allocate(0));

    final CompletableFuture<Response> headers = new CompletableFuture<>();
    final CompletableFuture<Content.Source> body = new CompletableFuture<>();

    @Override
    public void onHeaders(Response response) {
        headers.complete(response);
    }

    @Override
    public void onContentSource(Response response, Content.Source source) {
        body.complete(source);
    }

    @Override
    public void onContent(Response response, ByteBuffer content) {
        // never called: onContentSource is overridden and the content is pulled from the source
    }

    @Override
    public void onSuccess(Response response) {
        headers.complete(response);
        body.complete(EMPTY);
    }

    @Override
    public void onFailure(Response response, Throwable failure) {
        headers.completeExceptionally(failure);
        body.completeExceptionally(failure);
    }

    @Override
    public void onComplete(Result result) {
        if (result.isFailed()) {
            headers.completeExceptionally(result.getFailure());
            body.completeExceptionally(result.getFailure());
        }
    }
}
