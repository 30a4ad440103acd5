ALTER TABLE "access_devices" ADD COLUMN "remote_open" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "access_devices" ADD COLUMN "door_no" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "access_devices" ADD COLUMN "open_unit_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "access_devices" ADD COLUMN "open_roles" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "access_devices" ADD COLUMN "open_staff_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;