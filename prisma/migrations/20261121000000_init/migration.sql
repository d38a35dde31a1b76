-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "calls" (
    "id" TEXT NOT NULL,
    "call_type" TEXT NOT NULL,
    "business_key" TEXT NOT NULL,
    "party_id" TEXT NOT NULL,
    "callee_phone" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_call_id" TEXT,
    "status" TEXT NOT NULL,
    "outcome" TEXT,
    "digits" TEXT,
    "prep_time_minutes" INTEGER,
    "rejection_reason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "answered_at" TIMESTAMP(3),
    "ended_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "call_events" (
    "id" BIGSERIAL NOT NULL,
    "call_id" TEXT NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "report_outbox" (
    "id" BIGSERIAL NOT NULL,
    "call_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "delivered_at" TIMESTAMP(3),
    "failed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "report_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "calls_business_key_idx" ON "calls"("business_key");

-- CreateIndex
CREATE INDEX "calls_provider_call_id_idx" ON "calls"("provider_call_id");

-- CreateIndex
CREATE UNIQUE INDEX "call_events_call_id_dedupe_key_key" ON "call_events"("call_id", "dedupe_key");

-- CreateIndex
CREATE UNIQUE INDEX "report_outbox_idempotency_key_key" ON "report_outbox"("idempotency_key");

-- AddForeignKey
ALTER TABLE "call_events" ADD CONSTRAINT "call_events_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "report_outbox" ADD CONSTRAINT "report_outbox_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

