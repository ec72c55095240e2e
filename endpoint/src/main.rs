use std::process::ExitCode;

use clap::Parser as _;
use fhir_media_endpoint::{serve, Cli, Config};

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::from(Cli::parse());
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            fhir_media_endpoint::request_log::log_line(&format!("error: {err}"));
            ExitCode::FAILURE
        }
    }
}
