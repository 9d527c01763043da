//! The benchmark baseline: the smallest actix-web server, answering a fixed JSON body.
//! `cargo run --release --example hello -- 127.0.0.1:9090`

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9090".into());
    HttpServer::new(|| {
        App::new().route(
            "/",
            web::get().to(|| async {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(r#"{"hello":"world"}"#)
            }),
        )
    })
    .bind(addr)?
    .run()
    .await
}
