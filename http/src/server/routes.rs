//! The four endpoints (docs/service.md, "HTTP API") as axum handlers.
//! Handlers only parse (`api`), hand the database work and the encoding of
//! the reply to tokio's blocking pool (so no runtime thread ever waits on
//! SQLite), and wrap the bytes in a response.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use twinbench_service::kernels::sla::status_of;
use twinbench_service::model::OPEN_STATUSES;

use super::AppState;
use super::error::StoreError;
use crate::api::{
    self, ApiError, Health, SlaReply, SubmitReply, TaskView, parse_listing, parse_submission,
    parse_task_id, sla_name,
};
use crate::json::to_body;

/// The service's routes over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/tasks", get(list_tasks).post(submit_task))
        .route("/api/tasks/{task_id}/sla", get(task_sla))
        .fallback(no_endpoint)
        .method_not_allowed_fallback(not_allowed)
        .with_state(state)
}

fn json(status: u16, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn refuse(err: &ApiError) -> Response {
    json(err.status, to_body(&err.body()))
}

/// Runs `work` on the blocking pool: its `(status, body)`, or a logged 500.
async fn blocking(
    work: impl FnOnce() -> Result<(u16, Vec<u8>), StoreError> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok((status, body))) => json(status, body),
        Ok(Err(err)) => {
            eprintln!("twinbench-serve: request failed: {err}");
            refuse(&ApiError {
                status: 500,
                message: "internal error".into(),
                field: None,
            })
        }
        Err(err) => {
            eprintln!("twinbench-serve: request handler died: {err}");
            refuse(&ApiError {
                status: 500,
                message: "internal error".into(),
                field: None,
            })
        }
    }
}

async fn health() -> Response {
    json(200, to_body(&Health { status: "ok" }))
}

async fn no_endpoint() -> Response {
    refuse(&ApiError::no_endpoint())
}

async fn not_allowed() -> Response {
    refuse(&ApiError::method_not_allowed())
}

async fn list_tasks(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let listing = match parse_listing(query.as_deref()) {
        Ok(listing) => listing,
        Err(err) => return refuse(&err),
    };
    blocking(move || {
        let rules = state.rules.get();
        let tasks = state.store.list(&rules, &listing)?;
        let views: Vec<TaskView<'_>> = tasks.iter().map(TaskView::from).collect();
        Ok((200, to_body(&views)))
    })
    .await
}

async fn submit_task(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let submission = match parse_submission(&body) {
        Ok(submission) => submission,
        Err(err) => return refuse(&err),
    };
    blocking(move || {
        let now = state.clock.now();
        let rules = state.rules.get();
        let done = state.store.submit(&rules, &submission, now)?;
        let reply = SubmitReply {
            assigned_to: done.session.as_ref().map(|s| s.name.as_str()),
            id: done.task.id,
            sla_status: sla_name(status_of(&done.task, &rules.sla, now)),
            status: if done.session.is_some() {
                "assigned"
            } else {
                "pending"
            },
        };
        Ok((201, to_body(&reply)))
    })
    .await
}

async fn task_sla(State(state): State<Arc<AppState>>, Path(raw): Path<String>) -> Response {
    let id = match parse_task_id(&raw) {
        Ok(id) => id,
        Err(err) => return refuse(&err),
    };
    blocking(move || {
        let rules = state.rules.get();
        let Some(task) = state.store.task(&rules, id)? else {
            let err = ApiError::no_task(id);
            return Ok((err.status, to_body(&err.body())));
        };
        let now = state.clock.now();
        let target = rules.sla.target_for(&task.task_type);
        let open = OPEN_STATUSES.contains(&task.status.as_str());
        let reply = SlaReply {
            elapsed_minutes: (now - task.created_at) as f64 / 60.0,
            id: task.id,
            sla_status: open.then(|| api::sla_name(status_of(&task, &rules.sla, now))),
            status: &task.status,
            target_minutes: target.target_minutes,
            task_type: &task.task_type,
            warning_percent: target.warning_percent,
        };
        Ok((200, to_body(&reply)))
    })
    .await
}
