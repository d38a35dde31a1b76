-- The call lifecycle's queryable copy on the call's row
ALTER TABLE "calls" ADD COLUMN "lifecycle" TEXT,
    ADD COLUMN "source" TEXT,
    ADD COLUMN "room_name" TEXT,
    ADD COLUMN "handoff_reason" TEXT,
    ADD COLUMN "handoff_at" TIMESTAMP(3),
    ADD COLUMN "end_reason" TEXT,
    ADD COLUMN "metadata" JSONB;

-- Turns are numbered per call
ALTER TABLE "call_transcripts" ADD COLUMN "seq" INTEGER;

-- CreateTable
CREATE TABLE "call_semantic_events" (
    "id" BIGSERIAL NOT NULL,
    "call_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "occurred_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "call_semantic_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "call_semantic_events_call_id_event_id_key" ON "call_semantic_events"("call_id", "event_id");
CREATE INDEX "call_semantic_events_call_id_seq_idx" ON "call_semantic_events"("call_id", "seq");
CREATE INDEX "calls_created_at_idx" ON "calls"("created_at");

-- AddForeignKey
ALTER TABLE "call_semantic_events" ADD CONSTRAINT "call_semantic_events_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
