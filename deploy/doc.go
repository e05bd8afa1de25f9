// Package deploy owns zhucan's production deployment description: the
// Docker Compose topology in ../docker-compose.yml (PostgreSQL, a Temporal
// server persisted to it with its schema set up by temporalio/admin-tools,
// the Temporal web UI, and the zhucan migrate, api and worker services), the
// image recipe in ../Dockerfile, and the helper files that the topology
// mounts into Temporal's containers, under temporal/.
//
// The package holds no code that zhucan runs. Its tests load the Compose
// file with the compose-spec loader, hermetically (explicit environment, no
// Docker engine, no network), and fail when a service, health check,
// dependency condition or piece of configuration goes missing.
package deploy
