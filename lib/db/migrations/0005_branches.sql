ALTER TABLE "conversations" ADD COLUMN "active_leaf_id" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "parent_id" text;--> statement-breakpoint
CREATE INDEX "messages_parent_idx" ON "messages" USING btree ("parent_id");--> statement-breakpoint
UPDATE "messages" AS m SET "parent_id" = ordered.previous
FROM (
  SELECT "id", lag("id") OVER (PARTITION BY "conversation_id" ORDER BY "position") AS previous
  FROM "messages" WHERE "parent_message_id" IS NULL
) AS ordered
WHERE m."id" = ordered."id" AND ordered.previous IS NOT NULL;--> statement-breakpoint
UPDATE "conversations" AS c SET "active_leaf_id" = last."id"
FROM (
  SELECT DISTINCT ON ("conversation_id") "conversation_id", "id"
  FROM "messages" WHERE "parent_message_id" IS NULL
  ORDER BY "conversation_id", "position" DESC
) AS last
WHERE c."id" = last."conversation_id";
