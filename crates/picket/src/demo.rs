//! `picket demo`: the built-in scenarios played faster than real time through the engine,
//! with the map, the API and the metrics served over HTTP.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use picket_server::{router, AppState, Hub, ServerConfig};

/// Arguments of `picket demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Address to serve on. Beyond loopback only with --http-allow-remote.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    http: SocketAddr,
    /// Allow an --http address beyond loopback (the map and the API have no login).
    #[arg(long)]
    http_allow_remote: bool,
    /// Data seconds played per wall-clock second.
    #[arg(long, default_value_t = 10.0, value_name = "N")]
    speed: f64,
    /// Stop after this wall-clock time (`90s`, `10m`); default: run until interrupted.
    #[arg(long, value_name = "DURATION")]
    duration: Option<String>,
    /// Token for state-changing requests (`Authorization: Bearer TOKEN`); without one they
    /// are refused.
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// Online raster tiles for the map (`https://host/{z}/{x}/{y}.png`); default: the
    /// built-in offline base map only.
    #[arg(long, value_name = "URL")]
    tiles: Option<String>,
    /// Publish the receivers' positions in the API and on the map.
    #[arg(long)]
    publish_receiver_position: bool,
}

pub(crate) fn run(args: &DemoArgs) -> Result<ExitCode> {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        bail!("--speed {} must be a positive number", args.speed);
    }
    let duration = args
        .duration
        .as_deref()
        .map(|d| picket_sim::time::parse_duration(d).map_err(|e| anyhow!("--duration {d:?}: {e}")))
        .transpose()?;
    let listener = picket_server::bind(args.http, args.http_allow_remote)
        .with_context(|| format!("serving on {}", args.http))?;
    let addr = listener.local_addr()?;
    let hub = Arc::new(Hub::new());
    let config = ServerConfig {
        token: args.token.clone(),
        publish_receiver_position: args.publish_receiver_position,
        tile_url: args.tiles.clone(),
        ..ServerConfig::default()
    };
    let app = router(AppState::new(hub.clone(), config));

    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, stop.clone())?;
        signal_hook::flag::register(sig, stop.clone())?;
    }
    let driver = {
        let (hub, stop) = (hub.clone(), stop.clone());
        let speed = args.speed;
        std::thread::Builder::new()
            .name("engine".into())
            .spawn(move || crate::demo_driver::play(hub, speed, stop))?
    };
    eprintln!(
        "picket: demo: serving the map at http://{addr}/ (speed {}x)",
        args.speed
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let began = Instant::now();
    let shutdown = {
        let stop = stop.clone();
        async move {
            loop {
                let over = duration.is_some_and(|d| began.elapsed().as_secs_f64() >= d);
                if over || stop.load(Ordering::Relaxed) {
                    stop.store(true, Ordering::Relaxed);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let served = runtime.block_on(async {
        let stopped = {
            let stop = stop.clone();
            async move {
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                // Live streams never end by themselves: give the rest a moment, then close.
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        };
        tokio::select! {
            r = picket_server::serve(listener, app, shutdown) => r,
            () = stopped => Ok(()),
        }
    });
    stop.store(true, Ordering::Relaxed);
    let played = driver.join().map_err(|_| anyhow!("the engine thread panicked"))?;
    served.context("serving HTTP")?;
    played?;
    eprintln!(
        "picket: demo: stopped after {:.1} s",
        began.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
