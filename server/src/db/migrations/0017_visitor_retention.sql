ALTER TABLE "visitors" DROP CONSTRAINT "visitors_phone_format";--> statement-breakpoint
ALTER TABLE "visitors" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "visitors" ADD COLUMN "purged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "visitors" ADD CONSTRAINT "visitors_phone_format" CHECK ("visitors"."phone" ~ '^1[0-9]{10}$' or "visitors"."deleted_at" is not null);