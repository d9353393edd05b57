-- An assistance request is recorded with what the requester sent before the answer, and matched
-- to its account (context, flags, alerts, audit) after it, so that the answer's timing cannot
-- tell an existing account from an unknown email (SECURITY A1). processed_at marks the second
-- step done; every request from before this migration had both in one go.
ALTER TABLE "assistance_requests" ADD COLUMN "processed_at" timestamp with time zone;--> statement-breakpoint
UPDATE "assistance_requests" SET "processed_at" = "created_at";--> statement-breakpoint
CREATE INDEX "assistance_unprocessed_idx" ON "assistance_requests" USING btree ("created_at") WHERE "assistance_requests"."processed_at" is null;
